import type { Scenario } from "../../hil-sim/src/scenario/types";
import { scenario } from "./support";

/**
 * Shortened variants of shipped scenarios for the default e2e run (a few simulated hours each,
 * so the whole set stays within minutes on a shared 2-core machine). Each keeps the physics
 * and the rule under test; what changes is said here. E2E_LONG=1 runs the shipped files whole.
 */

/** pit-nearly-full-overflow with the pit 9 cm higher (freeboard 0.31 m, L1's minimum for a tank is 0.30 m) and only the level sensor. */
export function overflowSoon(): Scenario {
  return scenario("pit-nearly-full-overflow", (s) => {
    s.farm.stores![0]!.initialLevelM = 2.69;
    s.farm.nodes[0]!.devices = s.farm.nodes[0]!.devices.filter((d) => d.id === "lvl");
    s.duration = "PT12H";
    s.expect = [{ alert: "L1", subject: "store:pit-1", severity: "critical" }];
  });
}

/**
 * probe-unplugged with the unplugging at PT3H (instead of P8D) and the run ending before the
 * probe is plugged back in (P10D in the file). The rules engine names the health alerts H.errors, H.stale... (gateway
 * rules/health): an unplugged probe reads its sentinel, flagged SENSOR_FAULT, so it shows as
 * H.errors once the error share over errorWindowMin (60 min, ≥ 10 readings) passes 20 %.
 */
export function probeUnpluggedSoon(): Scenario {
  return scenario("probe-unplugged", (s) => {
    s.events = (s.events ?? []).filter((e) => e.at === "P8D").map((e) => ({ ...e, at: "PT3H" }));
    s.duration = "PT6H";
    s.expect = [{ alert: "H.errors", subject: "sensor:pile-1/probes.t2", between: ["PT3H", "PT4H30M"] }, { noReadingLost: true }];
  });
}

/** tanker-road-discharge with the honest trip at PT1H and the roadside one at PT3H (instead of PT9H and PT14H), pit node reduced to its level sensor. */
export function roadDischargeSoon(): Scenario {
  return scenario("tanker-road-discharge", (s) => {
    s.farm.nodes[0]!.devices = s.farm.nodes[0]!.devices.filter((d) => d.id === "lvl");
    s.events = (s.events ?? []).map((e) => ({ ...e, at: e.at === "PT9H" ? "PT1H" : e.at === "PT14H" ? "PT3H" : e.at }));
    s.duration = "PT6H";
    // T1 (load/unload) is the engine's ledger, not an alert: a `ledger` expectation (src/scenario/alert-match.ts).
    s.expect = [
      { alert: "T2", subject: "tanker:tanker-1", between: ["PT3H", "PT6H"], severity: "critical" },
      { ledger: "load", tanker: "tanker-1", site: "pit-1", between: ["PT1H", "PT3H"] },
      { noAlert: "L6" },
    ];
  });
}

/**
 * gateway-outage-burst with the outage from PT1H to PT5H (instead of P1D to P3D) and the
 * tanker's trip at PT3H, inside it: all three nodes reconnect in the same second and replay
 * their backlogs at once.
 */
export function outageBurstSoon(): Scenario {
  return scenario("gateway-outage-burst", (s) => {
    s.events = (s.events ?? []).map((e) => ({ ...e, at: e.at === "P1D" ? "PT1H" : e.at === "P3D" ? "PT5H" : e.at === "P2DT9H" ? "PT3H" : e.at }));
    s.duration = "PT7H";
  });
}

/** dead-slave with the level sensor dying at PT2H (instead of P4D); the H.errors window moves with it. */
export function deadSlaveSoon(): Scenario {
  return scenario("dead-slave", (s) => {
    s.events = (s.events ?? []).map((e) => ({ ...e, at: e.at === "P4D" ? "PT2H" : e.at }));
    s.duration = "PT4H";
    s.expect = (s.expect ?? []).map((x) => ("between" in x && Array.isArray(x.between) ? { ...x, between: ["PT2H", "PT3H"] } : x));
  });
}
