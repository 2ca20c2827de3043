// The query page: syntax highlighting over the textarea, prefixes, Ctrl+Enter. No libraries.
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
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
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
  refresh();
  grow();
}());
