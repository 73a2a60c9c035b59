import { card, alertChips } from "../cards";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { S, on } from "../state";

/** A card per facility (store, pile, tanker) with its state and open alerts; live. */
export function overviewView(root: HTMLElement): () => void {
  const head = h("div", { class: "view-head" });
  const grid = h("div", { class: "cards", "data-testid": "overview" });
  root.append(head, grid);
  const draw = () => {
    replace(head, h("h1", null, t("overview.title")), alertChips(null));
    if (S.facilities.length === 0) replace(grid, h("p", { class: "muted" }, t("overview.empty")));
    else replace(grid, S.facilities.map(card));
  };
  draw();
  return on(["facilities", "readings", "alerts", "lang"], draw);
}
