/**
 * `Promise.withResolvers` (ES2024) for Node 20, which lacks it: the Restate SDK calls it. Defined as the
 * standard defines it, and only where it is missing. Imported before the SDK.
 */
interface WithResolvers {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
}
const P = Promise as unknown as WithResolvers & PromiseConstructor;
P.withResolvers ??= function <T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};
