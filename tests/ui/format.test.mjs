// Unit tests of the UI's pure logic, with Node's own test runner
// (`node --test tests/ui/`, run by scripts/test). Outside ui/, so they never ship.
import { test } from "node:test";
import assert from "node:assert/strict";

import { askedAlert, clock, relative, until, from, words } from "../../ui/format.js";

const now = new Date("2026-05-05T12:00:00");
const at = (h, m = 0, day = 5) => new Date(2026, 4, day, h, m);

test("relative times read as people say them", () => {
  assert.equal(relative(at(12, 0), now), "in under a minute");
  assert.equal(relative(new Date(now.getTime() - 20_000), now), "just now");
  assert.equal(relative(at(12, 10), now), "in 10 min");
  assert.equal(relative(at(9, 0), now), "3 h ago");
  assert.equal(relative(at(12, 0, 7), now), "in 2 d");
});

test("a clock time names the day only when it is not today", () => {
  const today = clock(at(18, 0), now);
  assert.match(today, /18|6/);
  assert.doesNotMatch(today, /[A-Za-z]{3}\s/, "no weekday for today");
  assert.notEqual(clock(at(9, 0, 6), now), clock(at(9, 0), now), "tomorrow says which day");
});

test("until and from join the clock and the distance", () => {
  assert.match(until(at(15, 0).toISOString(), now), /^until .+, in 3 h$/);
  assert.match(from(at(9, 0, 7).toISOString(), now), /^from .+, in 2 d$/);
});

test("ilert's enum values become words", () => {
  assert.equal(words("ALL_ACCEPTED"), "All accepted");
  assert.equal(words("PENDING"), "Pending");
  assert.equal(words(""), "");
});

test("a window built for an alert reads it from its URL, and nothing else", () => {
  assert.equal(askedAlert("#alert=9029"), 9029);
  assert.equal(askedAlert(""), null);
  assert.equal(askedAlert("#alert="), null);
  assert.equal(askedAlert("#alert=12x"), null);
  assert.equal(askedAlert("#alert=1;alert(1)"), null);
});
