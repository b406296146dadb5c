/* Draws the report's charts from its embedded data with Chart.js: each when it scrolls into
   view, all before printing. Days are numbers (days since 1970) on a linear axis, shown as
   Danes write them (dd.mm.yyyy), so no date adapter is needed. */
(function () {
  "use strict";
  var DAY = 86400000;
  var COLORS = ["#1f5fa8", "#1a7f37", "#b3261e", "#7a4d00", "#5b3c99", "#00696b", "#444444"];
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var drawn = window.frisporCharts = {};

  function days(text) { return Date.parse(text + "T00:00:00Z") / DAY; }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function shown(x) {
    var d = new Date(Math.round(x) * DAY);
    return two(d.getUTCDate()) + "." + two(d.getUTCMonth() + 1) + "." + d.getUTCFullYear();
  }
  function number(text) { return Number(text).toLocaleString("da-DK"); }

  function xAxis(first, last, title, share) {
    var pad = Math.max(Math.floor((last - first) / share), 3);
    return {
      type: "linear", min: first - pad, max: last + pad,
      title: { display: !!title, text: title },
      ticks: { callback: shown, maxTicksLimit: 7, maxRotation: 0 }
    };
  }

  function options(spec, scales, extra) {
    var o = {
      animation: false, responsive: true, maintainAspectRatio: false, scales: scales,
      plugins: {
        title: { display: true, text: spec.title, font: { size: 15 } },
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: extra } }
      }
    };
    return o;
  }

  function timeline(spec) {
    var all = [];
    spec.spans.forEach(function (s) { all.push(days(s[1]), days(s[2])); });
    spec.marks.forEach(function (m) { all.push(days(m[1])); });
    if (!all.length) { all.push(Date.now() / DAY); }
    var sets = spec.series.map(function (name, n) {
      var spans = spec.spans.filter(function (s) { return s[3] === n; });
      var marks = spec.marks.filter(function (m) { return m[2] === n; });
      var colour = COLORS[n % COLORS.length];
      if (spans.length) {
        return {
          type: "bar", label: name, grouped: false, barPercentage: 0.5, backgroundColor: colour,
          data: spans.map(function (s) {
            return { x: [days(s[1]), days(s[2])], y: spec.rows[s[0]] };
          })
        };
      }
      return {
        type: "scatter", label: name, pointRadius: 7, pointHoverRadius: 8,
        backgroundColor: colour, borderColor: colour,
        data: marks.map(function (m) { return { x: days(m[1]), y: spec.rows[m[0]], note: m[3] }; })
      };
    });
    return {
      type: "bar",
      data: { labels: spec.rows, datasets: sets },
      options: Object.assign(options(spec, {
        x: xAxis(Math.min.apply(null, all), Math.max.apply(null, all), spec.x, 40),
        y: { type: "category", labels: spec.rows }
      }, function (c) {
        var raw = c.raw, x = raw.x;
        var when = Array.isArray(x) ? shown(x[0]) + " – " + shown(x[1]) : shown(x);
        return c.dataset.label + ": " + when + (raw.note ? " (" + raw.note + ")" : "");
      }), { indexAxis: "y" })
    };
  }

  function goal(spec) {
    var names = spec.names;
    var points = spec.measured.concat(spec.replaced, [spec.baseline, spec.target]);
    var all = points.map(function (p) { return days(p[0]); });
    var first = Math.min.apply(null, all), last = Math.max.apply(null, all);
    var x = xAxis(first, last, spec.x, 30);
    function level(p, name, colour, dash) {
      var v = Number(p[1]);
      return {
        type: "line", label: name, borderColor: colour, backgroundColor: colour, borderWidth: 3,
        borderDash: dash, pointRadius: 0, data: [{ x: x.min, y: v }, { x: x.max, y: v }]
      };
    }
    function series(list) {
      return list.map(function (p) { return { x: days(p[0]), y: Number(p[1]), text: p[1] }; });
    }
    var sets = [
      level(spec.baseline, names.baseline, COLORS[0], [8, 4]),
      level(spec.target, names.target, COLORS[1], [3, 3]),
      {
        type: "line", label: names.measured, borderColor: COLORS[2], backgroundColor: COLORS[2],
        borderWidth: 3, pointRadius: 5, data: series(spec.measured)
      }
    ];
    if (spec.replaced.length) {
      sets.push({
        type: "scatter", label: names.replaced, borderColor: COLORS[3],
        backgroundColor: COLORS[3], pointRadius: 6, data: series(spec.replaced)
      });
    }
    return {
      type: "line",
      data: { datasets: sets },
      options: options(spec, { x: x, y: { title: { display: true, text: spec.y } } },
        function (c) {
          var text = c.raw.text !== undefined ? number(c.raw.text) : number(c.raw.y);
          return c.dataset.label + ": " + shown(c.raw.x) + ": " + text;
        })
    };
  }

  /* The same facts as a table inside the canvas: what assistive technology reads. */
  function fallback(spec) {
    var rows = [];
    if (spec.kind === "goal") {
      rows = spec.measured.map(function (p) { return [spec.names.measured, p[0], p[1]]; })
        .concat(spec.replaced.map(function (p) { return [spec.names.replaced, p[0], p[1]]; }))
        .concat([[spec.names.baseline, spec.baseline[0], spec.baseline[1]],
                 [spec.names.target, spec.target[0], spec.target[1]]])
        .map(function (r) { return [r[0], shown(days(r[1])), number(r[2])]; });
    } else {
      rows = spec.spans.map(function (s) {
        return [spec.rows[s[0]], spec.series[s[3]], shown(days(s[1])) + " – " + shown(days(s[2]))];
      }).concat(spec.marks.map(function (m) {
        return [spec.rows[m[0]], spec.series[m[2]] + (m[3] ? " (" + m[3] + ")" : ""),
                shown(days(m[1]))];
      }));
    }
    var table = document.createElement("table");
    rows.forEach(function (r) {
      var tr = table.insertRow();
      r.forEach(function (cell) { tr.insertCell().textContent = cell; });
    });
    return table;
  }

  function draw(figure) {
    var n = figure.getAttribute("data-chart");
    if (drawn[n]) { return; }
    var spec = data[Number(n)];
    var config = spec.kind === "goal" ? goal(spec) : timeline(spec);
    var canvas = figure.querySelector("canvas");
    canvas.appendChild(fallback(spec));
    drawn[n] = new window.Chart(canvas, { type: config.type, data: config.data, options: config.options });
    figure.setAttribute("data-drawn", "true");
  }

  /* A chart drawn only to be printed becomes a picture and its canvas is let go: a canvas
     holds megabytes, and a report of a large log has tens of thousands of charts. */
  function still(figure) {
    var n = figure.getAttribute("data-chart");
    if (drawn[n]) { return; }
    draw(figure);
    var chart = drawn[n], canvas = chart.canvas;
    var picture = document.createElement("img");
    picture.src = chart.toBase64Image();
    picture.alt = canvas.getAttribute("aria-label");
    picture.style.width = canvas.style.width;
    picture.style.height = canvas.style.height;
    var facts = canvas.querySelector("table");
    facts.className = "facts";
    canvas.parentNode.replaceChild(picture, canvas);
    picture.parentNode.appendChild(facts);
    chart.destroy();
    drawn[n] = picture;
  }

  var figures = Array.prototype.slice.call(document.querySelectorAll("figure[data-chart]"));
  function drawAll() { figures.forEach(still); }
  if ("IntersectionObserver" in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target); }
      });
    }, { rootMargin: "300px 0px" });
    figures.forEach(function (f) { seen.observe(f); });
  } else {
    drawAll();
  }
  window.addEventListener("beforeprint", drawAll);
})();
