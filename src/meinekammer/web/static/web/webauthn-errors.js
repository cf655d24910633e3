// allauth's WebAuthn script reports a failed or cancelled ceremony as an "allauth.error"
// event; show the page's message instead of only logging it.
(function () {
  document.addEventListener('allauth.error', function (event) {
    const box = document.getElementById('webauthn-error')
    if (box) {
      box.hidden = false
      event.preventDefault()
    }
  })
})()
