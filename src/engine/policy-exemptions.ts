// Azure Policy exemptions as exceptions: an exemption (Waiver or Mitigated) of a policy that maps to a rule excepts
// that rule's results in the exemption's scope. One source of truth for teams that already use exemptions.
import type { Estate } from "../model/estate";
import type { AuditException } from "./exceptions";

/** The exceptions the estate's Policy exemptions declare (filled in with the policyresources collection). */
export function policyExemptionExceptions(_estate: Estate): AuditException[] {
  return [];
}
