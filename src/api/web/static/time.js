// Progressive enhancement: the slider over recorded moments sets "known at" and reloads.
document.addEventListener("DOMContentLoaded", () => {
  const slider = document.getElementById("moment");
  if (!slider) return;
  const moments = JSON.parse(slider.dataset.moments);
  const field = document.getElementById("known_at");
  const text = document.getElementById("moment-text");
  const pick = () => (Number(slider.value) >= moments.length ? "" : moments[Number(slider.value)]);
  slider.addEventListener("input", () => { text.textContent = pick() || "nu"; });
  slider.addEventListener("change", () => { field.value = pick(); slider.form.submit(); });
});
// A sign-in link carries the token in the fragment (never sent to the server): fill the field.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("token");
  const hash = new URLSearchParams(location.hash.slice(1));
  if (field && hash.get("token")) {
    field.value = hash.get("token");
    history.replaceState(null, "", location.pathname + location.search);
  }
});
