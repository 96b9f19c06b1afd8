// The message between the planner and a shard worker, on the `audit-shards` queue: which run, which shard. Everything
// else (the shard's subscriptions, the context) is in storage, so a message stays small and a re-sent one is the same.
import { z } from "zod";
import { AuditorError, describeZodError, errorText } from "../errors";
import { MAX_SHARDS } from "./fanout-settings";

export const shardMessageSchema = z
  .object({
    runId: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-z]+$/, "runId must look like 20261122T020000Z-a1b2c3"),
    shard: z
      .number()
      .int()
      .min(0)
      .max(MAX_SHARDS - 1),
    /** How often the shard waited for a collection slot (see collection-slots.ts). */
    deferrals: z.number().int().min(0).optional(),
    /** The planner's span (W3C traceparent): the shard's span links to it, so a run's shards are found from its trace. */
    traceparent: z
      .string()
      .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, "traceparent must be a W3C traceparent (version 00)")
      .optional(),
  })
  .strict();

export type ShardMessage = z.infer<typeof shardMessageSchema>;

export function parseShardMessage(value: unknown): ShardMessage {
  let candidate = value;
  if (typeof value === "string") {
    try {
      candidate = JSON.parse(value);
    } catch (error) {
      throw new AuditorError("INPUT_INVALID_REQUEST", `shard message: not JSON: ${errorText(error)}`, { cause: error });
    }
  }
  const parsed = shardMessageSchema.safeParse(candidate);
  if (!parsed.success)
    throw new AuditorError("INPUT_INVALID_REQUEST", `shard message: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
