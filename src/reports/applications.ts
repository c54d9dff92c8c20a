// The application a service belongs to: an `application:NAME` tag in its DBCS description (free text
// the API keeps with the service; `dbaas build --application NAME` writes it). It lives with the
// service, so services built by other tools can be tagged too (the console edits the description).
import { z } from 'zod';

export const applicationNameSchema = z
  .string()
  .min(1, 'is required')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, . _ - (starting with a letter or digit)');

const TAG = /(?:^|[\s[(,;])application[:=]([A-Za-z0-9][A-Za-z0-9._-]{0,63})(?=$|[\s\]),;])/i;

/** The application named in a description, if any. */
export function applicationOf(description: string | undefined): string | undefined {
  return description ? TAG.exec(description)?.[1] : undefined;
}

/** The description with the tag added (kept as is when it already names this application). */
export function withApplicationTag(description: string | undefined, application: string): string {
  const current = applicationOf(description);
  if (current !== undefined && current !== application) throw new Error(`the description already names application ${current}`);
  if (current === application) return description!;
  return description ? `${description} application:${application}` : `application:${application}`;
}

/** Services without a tag (or no longer in the cloud to read it from) are grouped under this. */
export const NO_APPLICATION = '(none)';
