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
