// The waiting room (SPEC §15): polls the citizen's place through the API and
// updates the live region; an admission (or no room any more) opens the grid.
// Without JavaScript the page's meta refresh does the same.
(function () {
  var box = document.getElementById('sala-attesa');
  if (!box) return;
  var status = document.getElementById('sala-stato');
  var title = document.getElementById('sala-titolo');
  var grid = box.dataset.grid;
  function minutes(s) {
    var m = Math.round(s / 60);
    return m < 1 ? 'meno di un minuto' : m === 1 ? 'circa 1 minuto' : 'circa ' + m + ' minuti';
  }
  function para(text, cls) {
    var p = document.createElement('p');
    if (cls) p.className = cls;
    p.textContent = text;
    return p;
  }
  function show(q) {
    if (q.state === 'admitted' || q.state === 'closed') { window.location.assign(grid); return; }
    var parts = [];
    if (q.state === 'sold_out') {
      title.textContent = 'Posti esauriti';
      parts.push(para('Tutti i posti disponibili sono stati riservati. Se qualcuno rinuncia, la coda riprende e questa pagina la avviserà: non perde il suo posto.'));
      var wl = box.querySelector('a.btn');
      if (!wl) {
        wl = document.createElement('a');
        wl.className = 'btn btn-primary';
        wl.href = grid.replace('/disponibilita', '/lista-attesa');
        wl.textContent = 'Avvisami se si libera un posto';
      }
      var p = document.createElement('p'); p.appendChild(wl); parts.push(p);
    } else if (q.position) {
      parts.push(para('Posizione in coda: ' + q.position, 'h4'));
      parts.push(para(q.ahead === 0 ? 'Nessuno è davanti a lei: tocca a lei fra poco.' : q.ahead === 1 ? "C'è 1 persona davanti a lei." : 'Ci sono ' + q.ahead + ' persone davanti a lei.'));
      parts.push(para('Attesa stimata: ' + minutes(q.eta_seconds) + '.'));
    } else {
      parts.push(para("L'ordine della coda sarà estratto a sorte all'apertura: arrivare prima non dà vantaggi."));
      parts.push(para('Attesa stimata: ' + minutes(q.eta_seconds) + '.'));
    }
    var changed = status.textContent.replace(/\s+/g, ' ').trim() !== parts.map(function (p) { return p.textContent; }).join(' ');
    if (changed) status.replaceChildren.apply(status, parts);
  }
  function poll() {
    fetch(box.dataset.queue, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (q) { show(q); setTimeout(poll, Math.max(q.poll_after_seconds, 1) * 1000); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, (parseInt(box.dataset.poll, 10) || 3) * 1000);
})();
