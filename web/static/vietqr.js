// The desk's VietQR page: a button that shows the code full-screen for the payer to scan.
(function () {
  var button = document.getElementById("vietqr-fullscreen");
  var card = document.getElementById("vietqr-desk");
  if (!button || !card || !card.requestFullscreen) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen(); else card.requestFullscreen();
  });
})();
