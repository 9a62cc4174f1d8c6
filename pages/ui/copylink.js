/* "Copy link" (pages/ui/share.py): a button that copies a text given by Python in data.text: the
   address of the current view (share.view_url), an event's link, an embed snippet. With
   data.show, the text is shown above the button in a read-only box (in place of st.code, whose
   syntax highlighter is a 1.5 MB script every reader of the map would load). Runs in the app page
   (st.components.v2), so the Clipboard API is the page's own. Where the browser refuses it (plain
   http on another host, a permission denied), the text is shown in a text box, selected, and
   copied the old way (execCommand) or left for the reader's Ctrl+C. Text only: the text is set as
   textContent / value, never as HTML. */
export default function (component) {
  const { data, parentElement } = component;
  const given = (data && typeof data.text === "string") ? data.text : "";
  const label = (data && typeof data.label === "string" && data.label) || "Copy link";
  const what = (data && typeof data.what === "string" && data.what) || "the link to this view";
  let text = given;
  if (data && data.link) {  /* a relative address is copied whole */
    try { text = new URL(given, window.location.href).href; } catch (e) { /* keep it as given */ }
  }

  parentElement.querySelectorAll(".cm-copy").forEach((el) => el.remove());
  const box = document.createElement("div");
  box.className = "cm-copy";
  if (data && data.show) {
    const shown = document.createElement("pre");
    shown.className = "cm-copy-text";
    shown.textContent = text;
    box.append(shown);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "cm-copy-button";
  button.textContent = label;
  button.setAttribute("data-text", text);
  const status = document.createElement("span");
  status.className = "cm-copy-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const field = document.createElement("input");
  field.className = "cm-copy-field";
  field.type = "text";
  field.readOnly = true;
  field.value = text;
  field.hidden = true;
  field.setAttribute("aria-label", what.charAt(0).toUpperCase() + what.slice(1));
  box.append(button, status, field);
  parentElement.appendChild(box);

  let timer = null;
  function say(message, ok) {
    status.textContent = message;
    status.classList.toggle("cm-copy-ok", !!ok);
    button.textContent = ok ? "Copied ✓" : label;
    if (timer) { clearTimeout(timer); }
    if (ok) {
      timer = setTimeout(() => {
        button.textContent = label;
        status.textContent = "";
      }, 4000);
    }
  }

  function fallback() {
    field.hidden = false;
    field.focus();
    field.select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    if (copied) {
      say("Copied: " + what + " is on your clipboard.", true);
    } else {
      say("Your browser did not allow copying: " + what + " is selected below, press Ctrl+C (⌘C on a Mac).", false);
    }
  }

  button.addEventListener("click", () => {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        () => say("Copied: " + what + " is on your clipboard.", true),
        fallback
      );
    } else {
      fallback();
    }
  });

  return () => { if (timer) { clearTimeout(timer); } box.remove(); };
}
