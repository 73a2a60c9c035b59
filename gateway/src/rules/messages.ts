/**
 * Message catalogue for alert transitions and the L10 audit: the engine emits a message id and
 * params, the panel (or a log line) renders them in Chinese or English. Placeholders are
 * {param}; params that are data times (epoch ms) are shown as local date and time.
 */
export type Lang = "zh" | "en";

export const MESSAGES: Record<string, Record<Lang, string>> = {
  "rules.compost.harmless": { zh: "无害化达标（{preset}）：最冷测点 ≥ {thresholdC} °C 持续 {days} 天", en: "Harmlessness met ({preset}): coolest probe ≥ {thresholdC} °C held for {days} d" },
  "rules.compost.notHarmlessYet": { zh: "第 {day} 天仍未达到无害化要求（{preset}，应在第 {byDay} 天前）", en: "Day {day}: harmlessness not met yet ({preset}, expected by day {byDay})" },
  "rules.compost.overheat": { zh: "堆体温度过高 {maxC} °C（> {thresholdC} °C）：请翻堆或通风", en: "Pile too hot: {maxC} °C (> {thresholdC} °C): turn or aerate" },
  "rules.compost.severeOverheat": { zh: "堆体 > {thresholdC} °C 已 {hours} 小时（{maxC} °C）：有自燃和氮损失风险", en: "Pile above {thresholdC} °C for {hours} h ({maxC} °C): fire risk, nitrogen loss" },
  "rules.compost.failedStart": { zh: "启动失败：建堆 {days} 天内无测点达到 {thresholdC} °C（最高 {maxC} °C）", en: "Failed start: no probe reached {thresholdC} °C within {days} d of building (max {maxC} °C)" },
  "rules.compost.coldZone": { zh: "冷区：测点温差 {spreadC} °C（最冷 {coolestC} °C，核心 {coreC} °C）", en: "Cold zone: spread {spreadC} °C between probes (coolest {coolestC} °C, core {coreC} °C)" },
  "rules.compost.noReheat": { zh: "翻堆（{turnedAt}）后 {hours} 小时内未回升到 {thresholdC} °C（现 {maxC} °C）", en: "No reheat to {thresholdC} °C within {hours} h of the turning at {turnedAt} (now {maxC} °C)" },
  "rules.compost.suddenDrop": { zh: "温度骤降 {dropC} °C（{hours} 小时内），无翻堆记录：检查雨水、含水率、通气", en: "Temperature fell {dropC} °C within {hours} h with no turning: check rain, moisture, oxygen" },
  "rules.compost.maturityCandidate": { zh: "可能已腐熟：所有测点 ≤ 环境 {ambientC} °C + 8 °C（最高 {maxC} °C），请送检种子发芽指数（GI ≥ {giPct}%）", en: "Maturity candidate: all probes ≤ ambient {ambientC} °C + 8 °C (max {maxC} °C): send a germination-index test (GI ≥ {giPct} %)" },
  "rules.storage.freeboardLow": { zh: "超高不足：{freeboardM} m（最低 {minM} m）——防溢流", en: "Freeboard {freeboardM} m below the minimum {minM} m (overflow-proofing)" },
  "rules.storage.freeboardStorm": { zh: "超高 {freeboardM} m 不足以容纳 {stormMm} mm 设计暴雨（需 {minM} m）", en: "Freeboard {freeboardM} m cannot hold the {stormMm} mm design storm (needs {minM} m)" },
  "rules.storage.overflowImminent": { zh: "即将溢流：距溢流口 {freeboardM} m，每小时上涨 {risePerHourM} m", en: "Overflow imminent: {freeboardM} m below the lip and rising {risePerHourM} m/h" },
  "rules.storage.daysToFull": { zh: "约 {days} 天后存满（少于 {minDays} 天；净流入 {rateMmD} mm/天）", en: "Full in about {days} d (less than {minDays} d; net inflow {rateMmD} mm/d)" },
  "rules.storage.fullBeforeEmptying": { zh: "约 {days} 天后存满，早于计划清运日 {plannedEmptying}", en: "Full in about {days} d, before the planned emptying on {plannedEmptying}" },
  "rules.storage.seepage": { zh: "疑似渗漏：夜间净损失 {mmPerDay} mm/天（连续 {nights} 个静夜，限值 {limitMmD}）——防渗", en: "Suspected seepage: {mmPerDay} mm/d net night loss over {nights} quiet nights (limit {limitMmD}) (seepage-proofing)" },
  "rules.storage.unexplainedDrop": { zh: "液位在 {hours} 小时内下降 {dropM} m，无抽排或罐车装载记录", en: "Level fell {dropM} m in {hours} h with no pump-out or tanker load recorded" },
  "rules.storage.reconciliation": { zh: "罐车 {tanker} 称重 {tankerT} t，池体减少 {pitT} t，相差 {diffPct}%", en: "Tanker {tanker} weighed {tankerT} t, the pit lost {pitT} t: {diffPct} % apart" },
  "rules.storage.rainIngress": { zh: "降雨 {rainMm} mm 时加盖池液位上涨 {riseMm} mm（应约 {expectedMm} mm）：检查盖板——防雨", en: "Covered store rose {riseMm} mm during {rainMm} mm of rain (expected about {expectedMm} mm): check the cover (rain-proofing)" },
  "rules.storage.runoff": { zh: "降雨 {rainMm} mm 时液位上涨 {riseMm} mm（应约 {expectedMm} mm）：有雨水径流进入——雨污分流", en: "Store rose {riseMm} mm during {rainMm} mm of rain (expected about {expectedMm} mm): runoff is getting in" },
  "rules.tanker.dischargeOffField": { zh: "罐车在登记地块外卸料（{lat}, {lon}），已卸 {fallT} t", en: "Tanker discharging outside any registered field at ({lat}, {lon}): {fallT} t so far" },
  "rules.tanker.applicationRate": { zh: "地块 {field}（{season}）施用 {tPerMu} t/亩，超过上限 {capTPerMu} t/亩", en: "Field {field} ({season}): {tPerMu} t/mu applied, above the cap of {capTPerMu} t/mu" },
  "rules.health.stale": { zh: "传感器 {minutes} 分钟无数据（最后一次 {lastSeen}）", en: "No reading for {minutes} min (last at {lastSeen})" },
  "rules.health.stuck": { zh: "传感器读数 {hours} 小时不变（{value}）：可能卡死", en: "Same value for {hours} h ({value}): sensor stuck?" },
  "rules.health.outOfRange": { zh: "读数超出合理范围：{value}", en: "Reading out of the plausible range: {value}" },
  "rules.health.errorRate": { zh: "近 {windowMin} 分钟 {pct}% 的读取失败", en: "{pct} % of readings failed over {windowMin} min" },
  "rules.health.probeDisagrees": { zh: "测点读数 {value} °C 与同堆其他测点不符", en: "Probe reads {value} °C, beyond what the other probes of the pile allow" },
  "rules.config.capacityShort": { zh: "贮存池容积不足：设计 {designM3} m³ < 需要 {requiredM3} m³（粪污 {inflowM3} m³ / {days} 天 + 雨水 {rainM3} m³）", en: "Store too small: design {designM3} m³ < required {requiredM3} m³ (inflow {inflowM3} m³ over {days} d + rain {rainM3} m³)" },
  "rules.config.capacityOk": { zh: "贮存池容积满足：设计 {designM3} m³ ≥ 需要 {requiredM3} m³", en: "Store capacity ok: design {designM3} m³ ≥ required {requiredM3} m³" },
  "rules.config.capacityNotAudited": { zh: "未设置存栏（猪当量），无法核算容积", en: "Capacity not audited: no herd (pig-equivalents) configured" },
};

const TIME_PARAMS = new Set(["turnedAt", "lastSeen", "plannedEmptying"]);

export function formatMessage(id: string, params: Record<string, unknown>, lang: Lang = "zh", utcOffsetMin = 480): string {
  const tpl = MESSAGES[id]?.[lang];
  if (tpl === undefined) return id;
  return tpl.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === null || v === undefined) return "—";
    if (TIME_PARAMS.has(k) && typeof v === "number") return new Date(v + utcOffsetMin * 60_000).toISOString().slice(0, 16).replace("T", " ");
    return String(v);
  });
}
