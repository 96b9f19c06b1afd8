// The registry of the report API's named schemas: each is a component of the OpenAPI document (openapi-document.ts).
// Its own module so that every file of schemas registers into it without importing the others.
import { z } from "zod";

/** Every named schema is a component of the OpenAPI document. */
export const reportSchemas = z.registry<{ id: string; description?: string }>();

export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  reportSchemas.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}
