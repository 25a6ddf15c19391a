import { z } from 'zod';

/**
 * An error of the cloud's HTTP API: RFC 9457 problem details whose `code` is stable across
 * releases (clients branch on `code`, never on `title` or `detail`, which come in the reader's
 * language). `errors` name the fields at fault.
 */
export const ProblemDetails = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  errors: z
    .array(z.looseObject({ detail: z.string(), pointer: z.string().optional(), parameter: z.string().optional() }))
    .optional(),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;
