// Stands in for MathJax on the notebook pages (mkdocs-jupyter's custom_mathjax_url), so that
// the site loads nothing from outside and reads offline. The notebooks hold no TeX math;
// tests/test_site.py checks that, and a notebook that adds some needs MathJax shipped here.
// The calls mkdocs-jupyter makes of MathJax do nothing.
window.MathJax = Object.assign(window.MathJax || {}, {
  startup: { promise: Promise.resolve() },
  typeset: () => {},
  typesetPromise: () => Promise.resolve(),
  typesetClear: () => {},
  texReset: () => {},
});
