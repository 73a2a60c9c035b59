// What Espruino 2v2x provides beyond ES5 (see ../shared/espruino.md, checked on the
// real interpreter). Declared here so that protocol/ compiles against exactly this subset:
// anything not listed (Map, Set, Symbol, Array.from, Math.trunc, Number.isInteger,
// Object.freeze, Buffer, async/await) fails to type-check.

interface Array<T> {
  includes(searchElement: T, fromIndex?: number): boolean;
  find(predicate: (value: T, index: number, obj: T[]) => unknown): T | undefined;
  findIndex(predicate: (value: T, index: number, obj: T[]) => unknown): number;
  fill(value: T, start?: number, end?: number): this;
}
interface ReadonlyArray<T> {
  includes(searchElement: T, fromIndex?: number): boolean;
  find(predicate: (value: T, index: number, obj: readonly T[]) => unknown): T | undefined;
  findIndex(predicate: (value: T, index: number, obj: readonly T[]) => unknown): number;
}
interface String {
  padStart(maxLength: number, fillString?: string): string;
  repeat(count: number): string;
}
interface ObjectConstructor {
  assign<T extends object, U>(target: T, source: U): T & U;
  assign<T extends object, U, V>(target: T, s1: U, s2: V): T & U & V;
  entries<T>(o: { [s: string]: T }): [string, T][];
  values<T>(o: { [s: string]: T }): T[];
}
interface Uint8Array {
  fill(value: number, start?: number, end?: number): this;
}
interface PromiseConstructor {
  new <T>(executor: (resolve: (value: T) => void, reject: (reason?: unknown) => void) => void): Promise<T>;
  resolve<T>(value: T): Promise<T>;
  reject<T = never>(reason?: unknown): Promise<T>;
  all<T>(values: readonly (T | PromiseLike<T>)[]): Promise<T[]>;
}
declare const Promise: PromiseConstructor;
