/* "Copy link" (pages/ui/share.py): a button that copies the address of the current view, given
   by Python in data.url (share.view_url). Runs in the app page (st.components.v2), so the
   Clipboard API is the page's own. Where the browser refuses it (plain http on another host, a
   permission denied), the link is shown in a text box, selected, and copied the old way
   (execCommand) or left for the reader's Ctrl+C. Text only: the URL is set as textContent / value,
   never as HTML. */
export default function (component) {
  const { data, parentElement } = component;
  const given = (data && typeof data.url === "string") ? data.url : "";
  let url = given;
  try { url = new URL(given, window.location.href).href; } catch (e) { /* keep it as given */ }

  parentElement.querySelectorAll(".cm-copy").forEach((el) => el.remove());
  const box = document.createElement("div");
  box.className = "cm-copy";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "cm-copy-button";
  button.textContent = (data && data.label) || "Copy link";
  button.setAttribute("data-url", url);
  const status = document.createElement("span");
  status.className = "cm-copy-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const field = document.createElement("input");
  field.className = "cm-copy-field";
  field.type = "text";
  field.readOnly = true;
  field.value = url;
  field.hidden = true;
  field.setAttribute("aria-label", "Link to this view");
  box.append(button, status, field);
  parentElement.appendChild(box);

  let timer = null;
  function say(text, ok) {
    status.textContent = text;
    status.classList.toggle("cm-copy-ok", !!ok);
    button.textContent = ok ? "Copied ✓" : ((data && data.label) || "Copy link");
    if (timer) { clearTimeout(timer); }
    if (ok) {
      timer = setTimeout(() => {
        button.textContent = (data && data.label) || "Copy link";
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
      say("Copied: the link to this view is on your clipboard.", true);
    } else {
      say("Your browser did not allow copying: the link is selected below, press Ctrl+C (⌘C on a Mac).", false);
    }
  }

  button.addEventListener("click", () => {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(
        () => say("Copied: the link to this view is on your clipboard.", true),
        fallback
      );
    } else {
      fallback();
    }
  });

  return () => { if (timer) { clearTimeout(timer); } box.remove(); };
}
