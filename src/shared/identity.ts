// Who asked for an operation, as workflows, activities and clients share it. The client seals the
// requester's token (src/auth/sealed-credential.ts) into a Temporal header; a workflow interceptor
// hands it to the workflow, which has a local activity verify it against the policy before any
// cloud call. Workflow-safe: no node:* imports.
import type { Operation } from './contract';

/** The Temporal header that carries the sealed credential (opaque to everyone but the worker). */
export const CREDENTIAL_HEADER = 'dbaas-credential';

/** What the workflow asks the requester check. */
export interface AuthorizeRequest {
  operation: Operation;
  identityDomain: string;
  /** The service, or the fleet's description for rollingPatch. */
  target: string;
  ticket?: string;
  /** What the input claims (`requestedBy`): kept beside the verified subject, never trusted. */
  claimedBy?: string;
  /** The sealed credential from the header, if the client sent one. */
  credential?: string;
  /** When the request reached Temporal (workflow time): tokens and seals are judged as of then. */
  receivedAtMs: number;
  /** A control message (update or signal) to a running workflow, rather than its start. */
  message?: string;
  /** The refusal's audit key, unique in the run (default `refused`: the start's). */
  auditKey?: string;
}

export type AuthorizeDecision =
  | { allowed: true; subject: string; verified: boolean; groups: string[]; role?: string }
  | { allowed: false; subject?: string; reason: string };

/** How requestedBy reads when no verified identity stands behind it (development mode). */
export const unverified = (claimed: string | undefined) => `${claimed ?? 'anonymous'} (unverified)`;
