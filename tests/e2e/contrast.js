// Every visible piece of text on the page (shadow roots included) against what is painted behind it:
// returns the pairs under 4.5:1 (WCAG AA for body text). Gradients count with each of their colours.
() => {
  const parse = (text) => {
    const [r, g, b, a = 1] = text.slice(text.indexOf("(") + 1, -1).split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const channel = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (x, y) => {
    const [light, dark] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (light + 0.05) / (dark + 0.05);
  };
  const over = (fg, bg) => ({
    r: fg.r * fg.a + bg.r * (1 - fg.a),
    g: fg.g * fg.a + bg.g * (1 - fg.a),
    b: fg.b * fg.a + bg.b * (1 - fg.a),
  });
  const up = (node) => node.parentElement || (node.getRootNode() instanceof ShadowRoot ? node.getRootNode().host : null);
  // What is painted behind a node: translucent layers composited over the first opaque one (or gradient).
  const behind = (node) => {
    const layers = [];
    let bases = [{ r: 255, g: 255, b: 255, a: 1 }];
    for (let n = node; n; n = up(n)) {
      const style = getComputedStyle(n);
      const stops = (style.backgroundImage.match(/rgba?\([^)]*\)/g) || []).map(parse);
      if (stops.length) {
        bases = stops;
        break;
      }
      const colour = parse(style.backgroundColor);
      if (colour.a >= 1) {
        bases = [colour];
        break;
      }
      if (colour.a > 0) layers.unshift(colour);
    }
    return bases.map((base) => layers.reduce((under, layer) => ({ ...over(layer, under), a: 1 }), base));
  };
  const opacity = (node) => {
    let value = 1;
    for (let n = node; n; n = up(n)) value *= Number(getComputedStyle(n).opacity);
    return value;
  };
  const elements = [];
  const collect = (scope) => {
    for (const node of scope.querySelectorAll("*")) {
      elements.push(node);
      if (node.shadowRoot) collect(node.shadowRoot);
    }
  };
  collect(document);
  const failures = [];
  const check = (node, colourText, what) => {
    const fg = parse(colourText);
    fg.a *= opacity(node);
    for (const bg of behind(node)) {
      const value = ratio(over(fg, bg), bg);
      if (value < 4.5) failures.push(`${what} "${(node.textContent || node.placeholder || "").trim().slice(0, 30)}" ${colourText} on rgb(${bg.r}, ${bg.g}, ${bg.b}): ${value.toFixed(2)}`);
    }
  };
  let checked = 0;
  for (const node of elements) {
    const box = node.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || getComputedStyle(node).visibility === "hidden") continue;
    if (node.placeholder) check(node, getComputedStyle(node, "::placeholder").color, "placeholder");
    if (![...node.childNodes].some((child) => child.nodeType === Node.TEXT_NODE && child.textContent.trim())) continue;
    checked += 1;
    check(node, getComputedStyle(node).color, node.tagName.toLowerCase() + "." + node.className);
  }
  return { checked, failures };
}
