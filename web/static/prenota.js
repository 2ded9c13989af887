// Prenota: the first script of every page (loaded in <head>, no inline script, so a
// strict Content-Security-Policy works).
// - window.__PUBLIC_PATH__ tells Bootstrap Italia where its fonts are, for
//   bootstrap.loadFonts(); the pages load them with fonts.css anyway, so they
//   also work without JavaScript.
// - the "js" class on <html> lets prenota.css style what needs JavaScript.
(function () {
  var s = document.currentScript;
  if (s && s.dataset.publicPath) {
    window.__PUBLIC_PATH__ = s.dataset.publicPath;
  }
  document.documentElement.classList.add('js');
})();

// Progressive enhancement of the booking pages. Everything works without it:
// the grid is a form of checkboxes, the countdown shows the expiry time, the
// forms post normally.
(function () {
  'use strict';

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // --- week grid: consecutive slots of one day, up to data-max ---
  function selectionText(form) {
    var sel = checked(form);
    var out = form.querySelector('#selezione');
    form.querySelectorAll('.slot-check + label').forEach(function (l) {
      l.title = l.previousElementSibling.dataset.range;
    });
    if (!out) return;
    if (sel.length === 0) { out.textContent = ''; return; }
    var first = sel[0].dataset.range.split(' a ')[0];
    var last = sel[sel.length - 1].dataset.range.split(' a ')[1];
    var text = first + ' a ' + last;
    out.textContent = 'Selezione: ' + text;
    sel.forEach(function (c) { c.nextElementSibling.title = text; });
  }
  function checked(form) {
    return Array.prototype.filter.call(form.querySelectorAll('.slot-check'), function (c) { return c.checked; })
      .sort(function (a, b) { return Date.parse(a.dataset.start) - Date.parse(b.dataset.start); });
  }
  function contiguous(sel) {
    for (var i = 1; i < sel.length; i++) {
      if (Date.parse(sel[i].dataset.start) !== Date.parse(sel[i - 1].dataset.end)) return false;
    }
    return true;
  }
  // say tells why an earlier choice was changed, next to the grid.
  function say(form, text) {
    var out = form.querySelector('#avviso-selezione');
    if (!out) return;
    out.textContent = text;
    out.classList.toggle('alert', !!text);
    out.classList.toggle('alert-warning', !!text);
  }
  function onSlotChange(cb) {
    var form = cb.form;
    var max = parseInt(form.dataset.max, 10) || 1;
    var all = form.querySelectorAll('.slot-check');
    var why = '';
    var others = function () { all.forEach(function (o) { if (o !== cb) o.checked = false; }); };
    if (cb.checked) {
      var before = checked(form).filter(function (o) { return o !== cb; });
      var sel = checked(form);
      if (before.some(function (o) { return o.dataset.day !== cb.dataset.day; })) {
        why = 'Gli slot di una prenotazione devono essere dello stesso giorno: la scelta precedente è stata sostituita da questo slot.';
        others();
      } else if (sel.length > max) {
        why = max === 1
          ? 'Per questa risorsa si può prenotare un solo slot alla volta: la scelta precedente è stata sostituita da questo slot.'
          : 'Si possono scegliere al massimo ' + max + ' slot consecutivi: la scelta precedente è stata sostituita da questo slot.';
        others();
      } else if (!contiguous(sel)) {
        why = 'Gli slot scelti devono essere consecutivi: la scelta precedente è stata sostituita da questo slot.';
        others();
      }
    } else {
      // Unchecking in the middle splits the run: keep the part before.
      var rest = checked(form), keep = [];
      for (var i = 0; i < rest.length; i++) {
        if (i > 0 && Date.parse(rest[i].dataset.start) !== Date.parse(rest[i - 1].dataset.end)) break;
        keep.push(rest[i]);
      }
      if (keep.length < rest.length) {
        why = 'Gli slot scelti devono essere consecutivi: sono stati tolti anche quelli dopo lo slot tolto.';
      }
      rest.forEach(function (o) { if (keep.indexOf(o) < 0) o.checked = false; });
    }
    say(form, why);
    selectionText(form);
  }

  // --- week grid as an ARIA grid: one Tab stop, arrow keys move, Space and
  // Enter choose, Home/End go to the row's ends (with Ctrl the grid's),
  // PageUp/PageDown change week keeping the focus in the grid. ---
  var gridPos = null;   // [row, col] of the cell to focus after a week change
  var weekFocus = '';   // what to focus after a week change: 'grid', 'prev', 'next'
  function gridRows(table) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (tr) {
      return Array.prototype.filter.call(tr.cells, function (td) { return td.classList.contains('slot'); });
    }).filter(function (r) { return r.length > 0; });
  }
  function target(td) { return td.querySelector('.slot-check') || td; }
  function posOf(rows, el) {
    var td = el.closest('td');
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(td);
      if (c >= 0) return [r, c];
    }
    return null;
  }
  function activate(rows, r, c, focus) {
    rows.forEach(function (row) { row.forEach(function (td) { target(td).tabIndex = -1; }); });
    var t = target(rows[r][c]);
    t.tabIndex = 0;
    if (focus) t.focus();
  }
  function initGrid(form) {
    var table = form.querySelector('.slot-table');
    if (!table || !table.tBodies[0]) return;
    var rows = gridRows(table);
    table.dataset.ready = '1';
    if (rows.length === 0) return;
    table.setAttribute('role', 'grid');
    table.setAttribute('aria-describedby', 'istruzioni-griglia istruzioni-tastiera');
    var start = null;
    rows.forEach(function (row, r) {
      row.forEach(function (td, c) {
        var cb = td.querySelector('.slot-check');
        if (!start && cb && cb.checked) start = [r, c];
      });
    });
    if (!start) {
      rows.some(function (row, r) {
        var c = row.findIndex(function (td) { return td.querySelector('.slot-check'); });
        if (c >= 0) start = [r, c];
        return c >= 0;
      });
    }
    if (gridPos && weekFocus === 'grid') {
      var r = Math.min(gridPos[0], rows.length - 1);
      start = [r, Math.min(gridPos[1], rows[r].length - 1)];
    }
    start = start || [0, 0];
    activate(rows, start[0], start[1], false);
    table.addEventListener('focusin', function (e) {
      var p = posOf(rows, e.target);
      if (p) activate(rows, p[0], p[1], false);
    });
    // Enter chooses the slot (below) instead of sending the form, which the
    // browser would do on the key's keypress.
    table.addEventListener('keypress', function (e) {
      if (e.key === 'Enter' && e.target.matches('.slot-check')) e.preventDefault();
    });
    table.addEventListener('keydown', function (e) {
      var p = posOf(rows, e.target);
      if (!p) return;
      var r = p[0], c = p[1], last = rows.length - 1;
      switch (e.key) {
        case 'ArrowRight': c = Math.min(c + 1, rows[r].length - 1); break;
        case 'ArrowLeft': c = Math.max(c - 1, 0); break;
        case 'ArrowDown': r = Math.min(r + 1, last); break;
        case 'ArrowUp': r = Math.max(r - 1, 0); break;
        case 'Home': if (e.ctrlKey) r = 0; c = 0; break;
        case 'End': if (e.ctrlKey) r = last; c = rows[r].length - 1; break;
        case 'PageDown': case 'PageUp':
          var link = form.querySelector(e.key === 'PageDown' ? '.week-next' : '.week-prev');
          e.preventDefault();
          if (link) {
            gridPos = p;
            weekFocus = 'grid';
            link.click();
          }
          return;
        case 'Enter':
          if (e.target.matches('.slot-check')) {
            e.preventDefault();
            e.target.click();
          }
          return;
        default: return;
      }
      e.preventDefault();
      c = Math.min(c, rows[r].length - 1);
      activate(rows, r, c, true);
    });
  }
  // After a week change: the focus where it was, and the new week read out.
  function afterWeekChange(form) {
    var live = document.getElementById('annuncio-griglia');
    if (live) {
      live.textContent = '';
      setTimeout(function () { live.textContent = form.dataset.announce || ''; }, 50);
    }
    var el = null;
    if (weekFocus === 'grid') el = form.querySelector('.slot-table [tabindex="0"]');
    else if (weekFocus) el = form.querySelector('.week-' + weekFocus);
    (el || form.querySelector('.slot-table [tabindex="0"]') || form).focus();
    weekFocus = '';
    gridPos = null;
  }

  // --- hold countdown: "Restano mm:ss" ---
  function countdown(banner) {
    var out = banner.querySelector('.hold-remaining');
    var live = banner.querySelector('.hold-live');
    var parts = (out.textContent || '0:0').split(':');
    var end = Date.now() + (parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10)) * 1000;
    var timer;
    var warned = false;
    function tick() {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      out.textContent = pad(Math.floor(s / 60)) + ':' + pad(s % 60);
      if (s <= 60 && !warned) {
        // WCAG 2.2.1: a visible warning before the time runs out.
        warned = true;
        banner.classList.add('hold-banner-urgent');
        var w = banner.querySelector('.hold-warning');
        if (w) w.hidden = false;
        var x = banner.querySelector('.hold-extend');
        if (x) x.classList.replace('btn-outline-primary', 'btn-primary');
        if (live) live.textContent = 'Attenzione: resta meno di un minuto per completare la prenotazione.';
      }
      if (s <= 0) {
        clearInterval(timer);
        // The step's form goes along, so that what was typed is kept.
        var form = document.querySelector('form.conferma-form, form.anagrafica-form');
        if (form) {
          form.action = '/prenota/scaduta';
          form.submit();
        } else {
          window.location.href = '/prenota/scaduta';
        }
      }
    }
    timer = setInterval(tick, 1000);
    tick();
  }

  // --- anagrafica: Provincia and Comune only for people born in Italy ---
  function bornInItaly(input) {
    var v = (input.value || '').trim().toUpperCase();
    var italy = v === '' || v === 'ITALIA';
    document.querySelectorAll('.born-in-italy').forEach(function (el) { el.hidden = !italy; });
  }

  // --- conferma: the summary follows what is typed ---
  function mirror(el) {
    if (!el.name) return;
    var dd = document.querySelector('[data-summary-of="' + el.name + '"]');
    if (!dd) return;
    var v = el.type === 'checkbox' ? (el.checked ? 'Sì' : 'No') : (el.value || '').trim();
    dd.textContent = v || '\u2014';
  }

  // --- satisfaction widget ---
  function rate(input) {
    var n = parseInt(input.value, 10);
    var form = input.form;
    form.querySelectorAll('.rating-star').forEach(function (l, i) { l.classList.toggle('on', i < n); });
    var pos = form.querySelector('.feedback-positive'), neg = form.querySelector('.feedback-negative');
    if (pos) pos.hidden = n <= 3;
    if (neg) neg.hidden = n > 3;
  }
  function initFeedback(root) {
    root.querySelectorAll('.feedback-form .feedback-reasons').forEach(function (f) { f.hidden = true; });
  }

  document.addEventListener('change', function (e) {
    var t = e.target;
    if (t.matches('.slot-check')) onSlotChange(t);
    else if (t.matches('.feedback-stars input')) rate(t);
    else if (t.closest('.conferma-form')) mirror(t);
  });
  document.addEventListener('input', function (e) {
    var t = e.target;
    if (t.id === 'f-nazione_nascita') bornInItaly(t);
    else if (t.closest('.conferma-form')) mirror(t);
  });
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('.week-nav a');
    if (a && !weekFocus) weekFocus = a.classList.contains('week-next') ? 'next' : 'prev';
  });
  document.addEventListener('htmx:afterSettle', function (e) {
    var form = document.getElementById('form-griglia');
    var table = form && form.querySelector('.slot-table');
    if (!table || table.dataset.ready) return;
    selectionText(form);
    initGrid(form);
    afterWeekChange(form);
  });
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('form-griglia');
    if (form) {
      selectionText(form);
      initGrid(form);
    }
    var banner = document.querySelector('.hold-banner');
    if (banner) countdown(banner);
    var nazione = document.getElementById('f-nazione_nascita');
    if (nazione) bornInItaly(nazione);
    initFeedback(document);
    var errors = document.getElementById('riepilogo-errori');
    if (errors) errors.focus();
    else focusStart();
  });

  // focusStart puts the keyboard where the page's task begins, as the skip
  // link would: a step's first field to fill in, or else the page's title.
  // The page does not scroll for it (on a phone the first fields stay in
  // the first screen, even when the field to fill in is further down).
  function focusStart() {
    if (location.hash || (document.activeElement && document.activeElement !== document.body)) return;
    var el = document.querySelector('form.anagrafica-form, form.conferma-form');
    el = el && Array.prototype.find.call(el.elements, function (f) {
      return f.matches('input:not([type=hidden]), select, textarea') && !f.readOnly && !f.disabled;
    });
    if (!el) {
      el = document.querySelector('main h1');
      if (!el) return;
      el.tabIndex = -1;
    }
    el.focus({ preventScroll: true });
  }
})();

// Back office: read a receipt's QR code with the camera into the search form.
// jsQR is loaded on the first use; the button shows only where a camera can
// be asked for. Without it the field still takes the code typed, or read by
// a barcode scanner that types it.
(function () {
  'use strict';

  function initScanner() {
    var open = document.getElementById('qr-apri');
    if (!open || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    var form = open.form, input = form.querySelector('#cerca-codice');
    var box = document.getElementById('qr-scanner'), video = document.getElementById('qr-video');
    var close = document.getElementById('qr-chiudi'), status = document.getElementById('qr-stato');
    var canvas = document.createElement('canvas');
    var draw = canvas.getContext('2d', { willReadFrequently: true });
    var stream = null;
    open.hidden = false;

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.srcObject = null;
      box.hidden = true;
      open.hidden = false;
    }
    function loadJsQR() {
      if (window.jsQR) return Promise.resolve();
      return new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = open.dataset.jsqr;
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    function scan() {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        draw.drawImage(video, 0, 0);
        var img = draw.getImageData(0, 0, canvas.width, canvas.height);
        var qr = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
        if (qr && qr.data) {
          stop();
          input.value = qr.data.trim();
          status.textContent = 'QR code letto: ' + input.value + '. Ricerca della prenotazione…';
          form.submit();
          return;
        }
      }
      setTimeout(scan, 200);
    }
    open.addEventListener('click', function () {
      status.textContent = 'Avvio della fotocamera…';
      Promise.all([loadJsQR(), navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })])
        .then(function (r) {
          stream = r[1];
          video.srcObject = stream;
          box.hidden = false;
          open.hidden = true;
          return video.play();
        })
        .then(function () {
          status.textContent = 'Inquadri il QR code della ricevuta.';
          close.focus();
          scan();
        })
        .catch(function () {
          stop();
          status.textContent = 'La fotocamera non è disponibile: scriva il codice della prenotazione.';
          input.focus();
        });
    });
    close.addEventListener('click', function () {
      stop();
      status.textContent = '';
      open.focus();
    });
    window.addEventListener('pagehide', stop);
  }

  document.addEventListener('DOMContentLoaded', initScanner);
})();

// "Stampa" buttons (the agenda's print view): shown only with JavaScript.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });
});
