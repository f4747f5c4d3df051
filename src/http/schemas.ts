import { Type } from '@fastify/type-provider-typebox';

/** A string limited to `values`; validation errors list the allowed values. */
export const StringEnum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    ...(description === undefined ? {} : { description }),
  });
