// The Present page's stage: the input, one answer panel per model and the run's example sentences, drawn here in
// the browser. Each sentence is posted to the app's own answer route (core/serve/live_answers.py), so an answer
// costs the model's milliseconds and one small request instead of a whole Streamlit rerun. When that route cannot
// be reached (another server, a proxy, a model no longer loaded) the sentence goes to the page as a trigger and
// Python answers in data.answers: slower, never broken.
const SAVED_TEXT = "fine-tune-studio-stage-text";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function say(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : ""));
}

function buildPanel(spec, strings) {
  const panel = el("div", "stage-panel");
  panel.append(el("div", "stage-title", spec.name), el("div", "stage-score", spec.score));
  const answer = el("div", "stage-answer");
  const bars = el("div", "stage-bars");
  const note = el("p", "stage-time");
  panel.append(answer, bars, note);
  const rows = {};
  spec.labels.forEach((name, i) => {
    const row = el("div", "stage-bar");
    const label = el("div", "stage-bar-label");
    const share = el("span", "", "");
    label.append(el("span", "", name), share);
    const track = el("div", "stage-bar-track");
    const fill = el("div", "stage-bar-fill");
    fill.style.background = spec.colours[i];
    track.append(fill);
    row.append(label, track);
    row.style.display = "none";
    bars.append(row);
    rows[name] = { row, share, fill };
  });
  const view = { spec, panel, answer, bars, note, rows };
  if (spec.pairs) note.textContent = strings.pairs;
  return view;
}

function showAnswer(view, result, strings, serial, via) {
  if (result.error) {
    view.answer.textContent = "";
    view.note.textContent = result.error;
  } else {
    view.answer.textContent = result.label;
    const ranked = Object.entries(result.probabilities).sort((a, b) => b[1] - a[1]);
    const shown = new Set(ranked.slice(0, 8).map(([name]) => name));
    ranked.forEach(([name, p], rank) => {
      const bar = view.rows[name];
      if (!bar) return;
      bar.row.style.display = shown.has(name) ? "" : "none";
      bar.row.style.order = rank; // reordered by flex order, not moved: the width keeps animating from the last answer
      bar.share.textContent = (100 * p).toFixed(1) + "%";
      bar.fill.style.width = (100 * p).toFixed(1) + "%";
    });
    view.note.textContent = say(strings.time, { ms: Math.round(result.milliseconds) });
  }
  view.panel.dataset.serial = serial;
  view.panel.dataset.via = via;
}

function showEmpty(view, strings) {
  view.answer.textContent = "";
  Object.values(view.rows).forEach((bar) => { bar.row.style.display = "none"; bar.fill.style.width = "0%"; });
  view.note.textContent = view.spec.pairs ? strings.pairs : strings.empty;
}

async function askRoute(url, token, text) {
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token, text }),
  });
  const body = await response.json();
  if (response.ok || [400, 413, 500].includes(response.status)) return body; // an answer, or a sentence to show
  throw new Error(body.error || String(response.status));
}

export default function (component) {
  const { parentElement: root, data, setTriggerValue } = component;
  const stage = root.__stage || (root.__stage = { text: sessionStorage.getItem(SAVED_TEXT) || "", asked: 0,
                                                   tokens: null, shownAnswers: null, views: [] });
  const strings = data.strings;
  const input = root.querySelector(".stage-input");
  const panels = root.querySelector(".stage-panels");
  const examples = root.querySelector(".stage-examples");
  const save = root.querySelector(".stage-save");
  const clear = root.querySelector(".stage-clear");
  const url = new URL(data.route, window.location.href).href;

  function refreshButtons() {
    const text = stage.text.trim();
    save.disabled = !text || data.examples.includes(text);
  }

  async function ask(text) {
    stage.text = text;
    sessionStorage.setItem(SAVED_TEXT, text);
    refreshButtons();
    const serial = ++stage.asked;
    const views = stage.views.filter((view) => !view.spec.pairs);
    if (!text.trim()) { stage.views.forEach((view) => showEmpty(view, strings)); return; }
    if (data.via !== "route") { setTriggerValue("ask", { text, serial }); return; }
    try {
      const results = await Promise.all(views.map((view) => askRoute(url, view.spec.token, text)));
      if (serial !== stage.asked) return; // a newer sentence was asked meanwhile: its answer is the one to show
      views.forEach((view, i) => showAnswer(view, results[i], strings, serial, "route"));
    } catch (error) {
      setTriggerValue("ask", { text, serial }); // the page answers instead
    }
  }

  const tokens = data.panels.map((spec) => spec.token + spec.name).join("|");
  if (tokens !== stage.tokens) { // another model picked, or two side by side: new panels, the sentence asked again
    stage.tokens = tokens;
    stage.views = data.panels.map((spec) => buildPanel(spec, strings));
    panels.replaceChildren(...stage.views.map((view) => view.panel));
    panels.classList.toggle("stage-two", stage.views.length > 1);
    stage.shownAnswers = null;
    if (input.value !== stage.text) input.value = stage.text;
    if (stage.text.trim() && !(data.answers && data.answers.text === stage.text)) ask(stage.text);
    else if (!stage.text.trim()) stage.views.forEach((view) => showEmpty(view, strings));
  }
  const answers = data.answers;
  if (answers && answers.serial !== stage.shownAnswers && answers.text === stage.text) { // the page's answers
    stage.shownAnswers = answers.serial;
    stage.views.forEach((view, i) => {
      if (answers.results[i]) showAnswer(view, answers.results[i], strings, stage.asked, "rerun");
    });
  }

  input.placeholder = strings.placeholder;
  input.setAttribute("aria-label", strings.input);
  input.onkeydown = (event) => { if (event.key === "Enter") ask(input.value); };
  examples.replaceChildren(...(data.examples.length ? data.examples.slice(0, 8).map((sentence) => {
    const button = el("button", "stage-example", sentence.length > 60 ? sentence.slice(0, 59) + "…" : sentence);
    button.title = sentence;
    button.onclick = () => { input.value = sentence; ask(sentence); };
    return button;
  }) : [el("p", "stage-hint", strings.no_examples)]));
  save.textContent = strings.save;
  save.onclick = () => setTriggerValue("save", stage.text.trim());
  clear.textContent = strings.clear;
  clear.style.display = data.examples.length ? "" : "none";
  clear.onclick = () => setTriggerValue("clear", true);
  refreshButtons();
}
