// Who may run what, where: roles are sets of operations; grants give a role to a subject or a group,
// in all identity domains or in some (a trailing * matches a prefix); some domains (production)
// also need a ticket. Read from DBAAS_POLICY_FILE (JSON); without one, DEFAULT_POLICY applies.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../shared/schemas';

const OPERATION_NAMES = ['buildService', 'scaleService', 'changeLifecycle', 'deleteService', 'rollingPatch', 'maintainService', 'patchService', 'rollbackServicePatch', 'backupService', 'restoreService'] as const;
const pattern = z.string().min(1).regex(/^[A-Za-z0-9_.@-]*\*?$/, 'a name, or a prefix ending in *');

export const policySchema = z
  .object({
    roles: z.record(z.string().min(1), z.array(z.enum([...OPERATION_NAMES, '*']))),
    grants: z
      .array(
        z
          .object({ subject: z.string().min(1).optional(), group: z.string().min(1).optional(), role: z.string().min(1), identityDomains: z.array(pattern).min(1).default(['*']) })
          .strict()
          .refine((g) => !!g.subject !== !!g.group, 'a grant names either a subject or a group'),
      )
      .min(1),
    ticketRequired: z.array(pattern).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.grants.forEach((g, i) => {
      if (!(g.role in p.roles)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['grants', i, 'role'], message: `unknown role "${g.role}"` });
    });
  });

export type Policy = z.infer<typeof policySchema>;

/**
 * Viewers start nothing; operators run day-to-day operations, backups included (a backup changes no
 * data and is what makes every other change safe to try); deletes, fleet rollouts and restores are for
 * admins: a restore overwrites the database with an older state, losing what was written since, as
 * destructive as a delete and not undoable.
 */
export const DEFAULT_POLICY: Policy = {
  roles: {
    viewer: [],
    operator: ['buildService', 'scaleService', 'changeLifecycle', 'maintainService', 'backupService'],
    admin: ['*'],
  },
  grants: [
    { group: 'viewers', role: 'viewer', identityDomains: ['*'] },
    { group: 'operators', role: 'operator', identityDomains: ['*'] },
    { group: 'admins', role: 'admin', identityDomains: ['*'] },
  ],
  ticketRequired: ['prod*'],
};

export function loadPolicy(file: string | undefined): Policy {
  if (!file) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`DBAAS_POLICY_FILE ${file}: ${err instanceof SyntaxError ? `not JSON (${err.message})` : 'cannot be read'}`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) throw new Error(`DBAAS_POLICY_FILE ${file}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

const matches = (p: string, value: string) => (p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : p === value);

export type PolicyDecision = { allowed: true; role: string } | { allowed: false; reason: string };

/** `message`: a control message to a running `operation` (it needs what starting one needs). */
export function decide(policy: Policy, who: { subject: string; groups: string[] }, request: { operation: string; identityDomain: string; ticket?: string; message?: string }): PolicyDecision {
  const grants = policy.grants.filter(
    (g) => (g.subject ? g.subject === who.subject : who.groups.includes(g.group!)) && g.identityDomains.some((d) => matches(d, request.identityDomain)),
  );
  const granting = grants.find((g) => policy.roles[g.role]!.some((op) => op === '*' || op === request.operation));
  if (!granting) {
    const roles = [...new Set(grants.map((g) => g.role))];
    const what = request.message ? `send ${request.message} to ${request.operation}` : `run ${request.operation}`;
    return { allowed: false, reason: `${who.subject} may not ${what} in ${request.identityDomain} (${roles.length ? `roles there: ${roles.join(', ')}` : 'no role there'})` };
  }
  if (policy.ticketRequired.some((d) => matches(d, request.identityDomain)) && !request.ticket?.trim()) {
    return { allowed: false, reason: `${request.identityDomain} needs a change ticket: pass --ticket` };
  }
  return { allowed: true, role: granting.role };
}
