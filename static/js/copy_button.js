// "Copy" buttons: <button data-copy="ID" hidden><span data-copy-label>Copy</span>...</button>
// copies the value (or text) of the element with that id. The buttons stay hidden
// without JavaScript, where the readonly field beside each is there to select and copy.
// The page's [data-copy-status] live region tells screen readers what was copied; the
// button itself reads "Copied" for a moment.
(function () {
  "use strict";

  var status = document.querySelector("[data-copy-status]");
  var SHOWN_FOR = 2000;

  function textOf(target) {
    return "value" in target ? target.value : target.textContent.trim();
  }

  // Clipboard API where the page is a secure context, else the older selection command.
  function copy(target) {
    var text = textOf(target);
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return text; });
    }
    return new Promise(function (resolve, reject) {
      target.focus();
      if (target.select) target.select();
      if (document.execCommand && document.execCommand("copy")) resolve(text);
      else reject(new Error("copy refused"));
    });
  }

  function announce(message) {
    if (!status) return;
    // Emptied first, so copying the same link twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    var label = button.querySelector("[data-copy-label]") || button;
    var idle = label.textContent;
    var timer = null;
    if (!target) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(target).then(function (text) {
        label.textContent = "Copied";
        button.classList.add("is-copied");
        announce("Copied " + text);
      }, function () {
        // Nothing reached the clipboard: select the text so a long press or Ctrl+C copies it.
        target.focus();
        if (target.select) target.select();
        announce("Copying was refused: the link is selected, copy it with your keyboard or menu.");
      });
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        label.textContent = idle;
        button.classList.remove("is-copied");
      }, SHOWN_FOR);
    });
  });

  // A click in a readonly link field selects all of it, ready to copy.
  document.querySelectorAll("input.short-url[readonly]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
