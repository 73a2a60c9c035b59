import { describe, expect, it } from "vitest";
import * as acorn from "acorn";
import { unhoistFunctions } from "./hoisting";

describe("unhoistFunctions", () => {
  it("rewrites declarations in place, nested and adjacent, into valid ES5", () => {
    const src = "function a(){function b(){}return b}function c(){}if(x)function d(){}";
    const out = unhoistFunctions(src);
    expect(out).toBe("var a = function a(){var b = function b(){};return b};var c = function c(){};if(x)var d = function d(){};");
    expect(() => acorn.parse(out, { ecmaVersion: 5 })).not.toThrow();
  });
});
