// The store contract suites live in @keygate/testing (users run them on their own stores); keygate's tests use them
// from there, so the suites keygate's stores pass are the ones it publishes.
export {
  describeDecisionStoreContract,
  describeKeyStoreContract,
  type DecisionStoreContractOptions as ContractOptions,
} from '@keygate/testing/contract';
