/** The scopes in `required` that `granted` lacks; `null` granted means unrestricted. */
export function missingScopes(granted: readonly string[] | null, required: readonly string[]): string[] {
  if (granted === null) return [];
  return required.filter((scope) => !granted.includes(scope));
}
