/**
 * The store contract suites (vitest): the same tests keygate's own stores pass, for a store you write.
 * Import them from a test file; vitest is a peer dependency of this entry point only.
 */
export { describeDecisionStoreContract, type DecisionStoreContractOptions } from './decision-store.js';
export { describeKeyStoreContract } from './key-store.js';
