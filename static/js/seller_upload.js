// Seller portal product form: check files before sending, then upload with a progress bar.
//
// Without this script the form posts normally and the server answers with the page (and
// its errors). With it:
// 1. a chosen file is checked at once against the limits the server renders into the
//    input's data- attributes (data-max-size, data-max-size-label, data-extensions), so a
//    file that is too big or of a forbidden type is refused before anything is sent;
// 2. the form is sent with XMLHttpRequest, and upload.onprogress fills the <progress>;
// 3. the server answers {"redirect": url} on success, or the form's HTML (status 400)
//    on errors, which replaces the form: everything typed stays, and files the server
//    did not complain about are put back into their inputs.
(function () {
  "use strict";

  function fieldOf(input) {
    return input.closest(".field") || input.parentNode;
  }

  function clearClientError(input) {
    var field = fieldOf(input);
    var list = field.querySelector(".errorlist[data-client-error]");
    if (list) list.remove();
    if (!field.querySelector(".errorlist")) field.classList.remove("has-error");
    input.removeAttribute("aria-invalid");
  }

  function showClientError(input, message) {
    clearClientError(input);
    var field = fieldOf(input);
    var list = document.createElement("ul");
    list.className = "errorlist";
    list.setAttribute("data-client-error", "");
    list.id = input.id + "_client_error";
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    field.appendChild(list);
    field.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", list.id);
  }

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024 * 1024) return (bytes / 1024 / 1024 / 1024).toFixed(1) + " GB";
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " bytes";
  }

  // The first problem with the file chosen in ``input``, or "" when it may be sent.
  function fileProblem(input) {
    var file = input.files && input.files[0];
    if (!file) return "";
    var allowed = (input.getAttribute("data-extensions") || "").split(",").filter(Boolean);
    var dot = file.name.lastIndexOf(".");
    var extension = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    if (allowed.length && allowed.indexOf(extension) === -1) {
      return "Files of type “." + (extension || "?") + "” cannot be uploaded here. Allowed types: ." +
        allowed.join(", .") + ".";
    }
    var max = parseInt(input.getAttribute("data-max-size") || "0", 10);
    if (max && file.size > max) {
      return "This file is " + formatSize(file.size) + "; the largest file you can upload is " +
        (input.getAttribute("data-max-size-label") || formatSize(max)) + ".";
    }
    if (file.size === 0) return "The file is empty.";
    return "";
  }

  function checkInput(input) {
    var problem = fileProblem(input);
    if (problem) showClientError(input, problem);
    else clearClientError(input);
    return !problem;
  }

  function fileInputs(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=file][data-extensions]"));
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = busy;
    });
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function enhance(form, keptFiles) {
    var inputs = fileInputs(form);
    inputs.forEach(function (input) {
      // Put back a file the server did not object to (a browser may not re-show it).
      var kept = keptFiles && keptFiles[input.name];
      var hasServerError = fieldOf(input).querySelector(".errorlist");
      if (kept && kept.length && !hasServerError) {
        try {
          input.files = kept;
          var note = form.querySelector('[data-reupload-note="' + input.name + '"]');
          if (note) note.remove();
        } catch (error) {
          // Older browsers cannot assign files: the note asks to choose it again.
        }
      }
      input.addEventListener("change", function () {
        checkInput(input);
      });
    });

    var alertBox = form.querySelector("[data-form-alert]");
    if (alertBox) {
      alertBox.scrollIntoView({ block: "start" });
      alertBox.focus({ preventScroll: true });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var ok = inputs.map(checkInput).every(Boolean);
      if (!ok) {
        var firstBad = form.querySelector("[aria-invalid=true]");
        if (firstBad) firstBad.focus();
        return;
      }
      send(form, event.submitter);
    });
  }

  function send(form, submitter) {
    var data = new FormData(form);
    // FormData(form) leaves out the button that was pressed ("Publish now" / "Save draft").
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);

    var box = form.querySelector("[data-upload-progress]");
    var bar = box && box.querySelector("progress");
    var status = box && box.querySelector("[data-upload-status]");
    var sendsFiles = fileInputs(form).some(function (input) {
      return input.files && input.files.length;
    });
    if (box) box.classList.remove("upload-failed");
    if (box && sendsFiles) {
      box.hidden = false;
      bar.value = 0;
      status.textContent = "Uploading… 0%";
    }
    setBusy(form, true);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = function (event) {
      if (!bar || !event.lengthComputable) return;
      var percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      status.textContent = "Uploading… " + percent + "%";
    };
    xhr.upload.onload = function () {
      if (!bar) return;
      bar.value = 100;
      status.textContent = "Upload complete. Saving…";
    };
    xhr.onload = function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status === 200 && type.indexOf("application/json") === 0) {
        var answer = JSON.parse(xhr.responseText);
        window.location.assign(answer.redirect);
        return;
      }
      if (xhr.status === 400 && type.indexOf("text/html") === 0) {
        var kept = {};
        fileInputs(form).forEach(function (input) {
          kept[input.name] = input.files;
        });
        var holder = document.createElement("div");
        holder.innerHTML = xhr.responseText;
        var fresh = holder.querySelector("form[data-upload-form]");
        if (fresh) {
          form.replaceWith(fresh);
          enhance(fresh, kept);
          return;
        }
      }
      if (xhr.status === 200 || xhr.status === 403) {
        // Redirected to the sign-in page, or the session's security token expired.
        failed(form, "You may have been signed out. Your changes are still here: sign in again in another tab, then save.");
        return;
      }
      failed(form, "Something went wrong while saving (error " + xhr.status + "). Your changes are still here: try again.");
    };
    xhr.onerror = function () {
      failed(form, "The upload was interrupted. Check your connection; your changes are still here: try again.");
    };
    xhr.send(data);
  }

  function failed(form, message) {
    setBusy(form, false);
    var box = form.querySelector("[data-upload-progress]");
    if (box) {
      box.hidden = false;
      box.querySelector("[data-upload-status]").textContent = message;
      box.classList.add("upload-failed");
    }
  }

  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    enhance(form, null);
  });
})();
