// The query page: syntax highlighting over the textarea, prefixes, Ctrl+Enter, completion of
// prefixed names from /query/terms.json, an example list that opens on choice. No libraries.
(function () {
  "use strict";
  var area = document.getElementById("query");
  var code = document.getElementById("hl");
  var editor = document.getElementById("editor");
  var form = document.getElementById("qform");
  var prefixes = document.getElementById("prefixes");
  if (!area || !code || !editor || !form) { return; }

  var KEYWORDS = ("BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED DISTINCT REDUCED AS " +
    "GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL UNION MINUS GRAPH FILTER " +
    "BIND EXISTS NOT IN SERVICE SILENT A COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR " +
    "STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN " +
    "UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY " +
    "HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF " +
    "STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRUE FALSE").split(" ");
  var KW = {};
  KEYWORDS.forEach(function (k) { KW[k] = true; });
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                   // 1 comment
    "(<[^<>\"{}|^`\\\\\\s]*>)",                     // 2 IRI
    "('''[\\s\\S]*?'''|\"\"\"[\\s\\S]*?\"\"\"|'(?:[^'\\\\\\n]|\\\\.)*'|\"(?:[^\"\\\\\\n]|\\\\.)*\")", // 3 string
    "([?$][\\w\\u00B7\\u00C0-\\uFFFF]+)",          // 4 variable
    "((?:[A-Za-z\\u00C0-\\uFFFF][\\w\\-.\\u00B7\\u00C0-\\uFFFF]*)?:[\\w\\-.:%\\u00B7\\u00C0-\\uFFFF]*)", // 5 prefixed name
    "([A-Za-z_][A-Za-z0-9_]*)",                     // 6 word
    "([0-9]+(?:\\.[0-9]+)?)"                        // 7 number
  ].join("|"), "g");

  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(text) {
    var out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out += escapeHtml(text.slice(last, m.index));
      var cls = m[1] ? "c" : m[2] ? "i" : m[3] ? "s" : m[4] ? "v" : m[5] ? "p" :
        m[6] ? (KW[m[6].toUpperCase()] ? "k" : "") : m[7] ? "n" : "";
      out += cls ? '<span class="' + cls + '">' + escapeHtml(m[0]) + "</span>" : escapeHtml(m[0]);
      last = TOKEN.lastIndex;
    }
    return out + escapeHtml(text.slice(last)) + "\n";
  }

  function refresh() {
    code.innerHTML = highlight(area.value);
    code.parentNode.scrollTop = area.scrollTop;
    code.parentNode.scrollLeft = area.scrollLeft;
  }

  function grow() {
    area.style.height = "auto";
    area.style.height = Math.max(area.scrollHeight + 4, 256) + "px";
  }

  editor.classList.add("on");
  area.addEventListener("input", function () { refresh(); grow(); });
  area.addEventListener("scroll", refresh);
  area.addEventListener("keydown", function (e) {
    if (completer.key(e)) {
      return;
    } else if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      form.submit();
    } else if (e.key === "Tab" && !e.shiftKey) {
      e.preventDefault();
      var s = area.selectionStart, t = area.selectionEnd;
      area.value = area.value.slice(0, s) + "  " + area.value.slice(t);
      area.selectionStart = area.selectionEnd = s + 2;
      refresh();
    }
  });
  if (prefixes) {
    prefixes.addEventListener("change", function () {
      var opt = prefixes.options[prefixes.selectedIndex];
      if (opt && opt.value) {
        var line = "PREFIX " + opt.value + ": <" + opt.getAttribute("data-ns") + ">\n";
        if (area.value.indexOf(line.trim()) < 0) { area.value = line + area.value; }
        refresh(); grow();
      }
      prefixes.selectedIndex = 0;
      area.focus();
    });
  }
  var examples = document.getElementById("example");
  if (examples) {
    examples.addEventListener("change", function () { examples.form.submit(); });
  }

  var completer = makeCompleter(area, document.getElementById("complete"), function () { refresh(); grow(); });
  area.addEventListener("input", completer.update);
  area.addEventListener("blur", function () { setTimeout(completer.close, 150); });

  refresh();
  grow();
  if (location.hash === "#results") {
    var results = document.getElementById("results");
    if (results) { results.scrollIntoView(); }
  }

  // Completion of the prefixed name before the caret: "mplan:Pl" offers mplan:Plan, "mp" offers
  // mplan:. Choosing a term of an undeclared prefix adds its PREFIX line at the top.
  function makeCompleter(area, list, changed) {
    var vocab = null, shown = [], current = -1, start = 0;
    var none = { key: function () { return false; }, update: function () {}, close: function () {} };
    if (!list || !window.fetch) { return none; }
    fetch("/query/terms.json").then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { vocab = data; }).catch(function () { vocab = null; });

    function candidates(word) {
      var out = [], lower = word.toLowerCase();
      Object.keys(vocab.prefixes).forEach(function (p) {
        if (word.indexOf(":") < 0 && (p + ":").indexOf(lower) === 0) {
          out.push({ text: p + ":", note: vocab.prefixes[p], prefix: p });
        }
      });
      vocab.terms.forEach(function (t) {
        if (word.indexOf(":") > 0 && t.term.toLowerCase().indexOf(lower) === 0) {
          out.push({ text: t.term, note: t.label.ja || t.label.en || t.label[""] || "", prefix: "mplan" });
        }
      });
      return out.slice(0, 40);
    }

    function close() { list.hidden = true; shown = []; current = -1; area.removeAttribute("aria-activedescendant"); }

    function select(i) {
      current = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", j === i ? "true" : "false");
        if (j === i) { li.scrollIntoView({ block: "nearest" }); area.setAttribute("aria-activedescendant", li.id); }
      });
    }

    function accept(i) {
      var c = shown[i], end = area.selectionStart;
      area.value = area.value.slice(0, start) + c.text + area.value.slice(end);
      var caret = start + c.text.length;
      var line = "PREFIX " + c.prefix + ": <" + vocab.prefixes[c.prefix] + ">";
      if (!new RegExp("PREFIX\\s+" + c.prefix + ":", "i").test(area.value)) {
        area.value = line + "\n" + area.value;
        caret += line.length + 1;
      }
      area.selectionStart = area.selectionEnd = caret;
      close();
      changed();
    }

    function update() {
      if (!vocab) { return; }
      var before = area.value.slice(0, area.selectionStart);
      var m = /(?:^|[\s({\/;,.|^])([A-Za-z][\w\-]*:?[\w\-]*)$/.exec(before);
      if (!m || /^PREFIX$/i.test(m[1])) { close(); return; }
      start = area.selectionStart - m[1].length;
      shown = candidates(m[1]);
      if (!shown.length || (shown.length === 1 && shown[0].text === m[1])) { close(); return; }
      list.innerHTML = "";
      shown.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = "complete-" + i;
        li.setAttribute("role", "option");
        li.textContent = c.text;
        var note = document.createElement("small");
        note.textContent = c.note;
        li.appendChild(note);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); accept(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      select(0);
    }

    function key(e) {
      if (list.hidden || !shown.length) { return false; }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        select((current + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length);
      } else if (e.key === "Enter" || e.key === "Tab") {
        accept(current < 0 ? 0 : current);
      } else if (e.key === "Escape") {
        close();
      } else {
        return false;
      }
      e.preventDefault();
      return true;
    }

    return { key: key, update: update, close: close };
  }
}());
