/**
 * Exhaustive switches (after Signal Desktop's missingCaseError): `default: throw missingCase(x)` fails to
 * compile when a union member is not handled (x is not `never`), and throws a plain Error at run time if a
 * value from outside the type system slips through. Lint (`@typescript-eslint/switch-exhaustiveness-check`)
 * checks the switches themselves.
 */
export function missingCase(x: never): Error {
  return new Error(`unhandled case: ${JSON.stringify(x)}`);
}
