// Ship Captain Crew: the few behaviours htmx does not cover. Every page works without
// this file; it only turns the Log Payment page into a modal and says plainly when a
// payment or form was not sent or saved.
(function () {
  "use strict";
  // The card whose Log Payment button opened the modal: the card is replaced when the
  // payment is saved, so focus returns to the button of the card with this id.
  var openerCard = null;

  function dialog() { return document.getElementById("payment-dialog"); }

  // Remember which button opened the modal, so focus can go back to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.log-payment");
    if (link) { openerCard = link.closest("article") ? link.closest("article").id : null; }
    var close = event.target.closest && event.target.closest("[data-close-dialog]");
    if (close && dialog() && dialog().open) {
      event.preventDefault();
      dialog().close();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (!box) { return; }
    var target = event.detail.target;
    if (target && target.id === "payment-dialog-body") {
      if (!box.open) { box.showModal(); }
      var amount = box.querySelector("#amount");
      if (amount) { amount.focus(); }
      return;
    }
    // A saved payment answers with a fresh, empty form marked data-saved: close.
    var form = box.querySelector("form.payment-form");
    if (form && form.dataset.saved === "true" && box.open) {
      box.close();
    } else if (box.open) {
      // An amount over the balance due asks first: focus its "Yes, log ..." button.
      var invalid = box.querySelector(".confirm-over button") || box.querySelector("[aria-invalid=true]");
      if (invalid) { invalid.focus(); }
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target !== dialog() || !openerCard) { return; }
    var card = document.getElementById(openerCard);
    var button = card && card.querySelector("a.log-payment");
    if (button) { button.focus(); }
  }, true);

  // The waiver form is re-rendered by the server (add or remove a minor, errors): put
  // keyboard focus where the person was going, not back at the top of the page.
  var waiverAction = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#waiver-form button[name=action]");
    if (button) { waiverAction = button.value; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // The form swaps itself (outerHTML): the event's target is then the old, detached
    // form, so the new one is found by its id.
    var swapped = event.detail.target;
    var form = document.getElementById("waiver-form");
    if (!form || !swapped || (swapped.id !== "waiver-form" && !form.contains(swapped))) { return; }
    var target = form.querySelector(".error-summary");
    if (!target && waiverAction === "add_minor") {
      var names = form.querySelectorAll("input[name^=minor_name_]");
      target = names[names.length - 1];
    } else if (!target && waiverAction && waiverAction.indexOf("remove_minor_") === 0) {
      target = form.querySelector("button[value=add_minor]") || form.querySelector("input[name^=minor_name_]");
    }
    if (target) {
      if (!target.hasAttribute("tabindex") && !/^(INPUT|BUTTON|SELECT|TEXTAREA|A)$/.test(target.tagName)) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
    waiverAction = null;
  });

  // A confirmation toast clears itself after a while (screen readers already heard it).
  var toastTimer = null;
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "toast") {
      clearTimeout(toastTimer);
      toastTimer = setTimeout(function () {
        var toast = document.getElementById("toast");
        if (toast) { toast.textContent = ""; }
      }, 6000);
    }
  });

  // Busy: the tapped control says so at once (aria-busy, a spinner in app.css; Save
  // reads its data-busy-label, "Saving…") until the answer comes or the request fails.
  function tapped(event) {
    var elt = event.detail.elt;
    if (!elt || elt.tagName !== "FORM") { return elt; }
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (trigger && trigger.type !== "submit") { return elt; }
    return (trigger && trigger.submitter) || elt.querySelector("[type=submit]");
  }
  document.addEventListener("htmx:beforeSend", function (event) {
    var control = tapped(event);
    if (!control) { return; }
    event.detail.elt.sccBusy = control;
    control.setAttribute("aria-busy", "true");
    var busyLabel = control.getAttribute("data-busy-label");
    if (busyLabel) {
      control.setAttribute("data-idle-label", control.textContent);
      control.textContent = busyLabel;
    }
    // A check-in answers a new row: keep the place of the one tapped (see afterSettle).
    var row = control.closest && control.closest("li.guest");
    busyRow = row ? row.id : busyRow;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var control = event.detail.elt && event.detail.elt.sccBusy;
    if (!control) { return; }
    event.detail.elt.sccBusy = null;
    control.removeAttribute("aria-busy");
    if (control.hasAttribute("data-idle-label")) {
      control.textContent = control.getAttribute("data-idle-label");
      control.removeAttribute("data-idle-label");
    }
  });

  // After a check-in the guest's row is new: focus stays on it (its button), not lost.
  var busyRow = null;
  document.addEventListener("htmx:afterSettle", function () {
    if (!busyRow) { return; }
    var row = document.getElementById(busyRow);
    busyRow = null;
    var button = row && row.querySelector("button[type=submit]");
    if (button) { button.focus(); }
  });

  // A field's error message goes as soon as the field is changed (the server checks
  // again on submit); a changed amount also drops a stale "Yes, log $X" question.
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    if (target.name === "amount") {
      var question = target.form && target.form.querySelector(".confirm-over");
      if (question) { question.remove(); }
    }
    var field = target.closest("[aria-invalid=true]");
    if (!field) { return; }
    var kept = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      var message = id && document.getElementById(id);
      if (message && message.classList.contains("field-error")) { message.remove(); return false; }
      return Boolean(id);
    });
    field.removeAttribute("aria-invalid");
    if (kept.length) { field.setAttribute("aria-describedby", kept.join(" ")); } else { field.removeAttribute("aria-describedby"); }
    forgetInSummary(field);
  });

  // The "There is a problem" summary follows: the changed field's line goes, and the
  // whole box once it names nothing (no field left and no message for the whole form).
  function forgetInSummary(field) {
    var form = field.form || field.closest("form");
    var summary = form && form.querySelector(".error-summary");
    if (!summary || !field.id) { return; }
    summary.querySelectorAll(".error-summary-list a").forEach(function (link) {
      if (link.getAttribute("href") === "#" + field.id) { link.closest("li").remove(); }
    });
    var list = summary.querySelector(".error-summary-list");
    if (list && !list.children.length) { list.remove(); }
    if (!summary.querySelector(".error-summary-list, .form-error")) { summary.remove(); }
  }

  // The captain's destructive buttons (cancel a trip, disable an account, void a
  // payment) ask first. Without JavaScript the button opens a confirmation page; with
  // it, the same box (a <template> named by data-confirm) opens in #confirm-dialog, the
  // trigger's typed fields (a void's reason) are copied in, and focus goes back to the
  // button when the dialog closes.
  var confirmOpener = null;
  document.addEventListener("submit", function (event) {
    var trigger = event.target;
    var box = document.getElementById("confirm-dialog");
    var source = trigger.dataset && trigger.dataset.confirm && document.getElementById(trigger.dataset.confirm);
    if (!box || !source || !box.showModal) { return; }
    event.preventDefault();
    box.replaceChildren(source.content.cloneNode(true));
    var title = box.querySelector(".confirm-title");
    if (title) { title.id = "confirm-dialog-title"; }
    var form = box.querySelector("form");
    Array.prototype.forEach.call(trigger.elements, function (field) {
      var copy = field.name && form && form.elements.namedItem(field.name);
      if (copy && copy.type === "hidden") { copy.value = field.value; }
    });
    confirmOpener = event.submitter || trigger.querySelector("button");
    box.showModal();
    var safe = box.querySelector("[data-confirm-close]");
    if (safe) { safe.focus(); }
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("#confirm-dialog [data-confirm-close]");
    if (close) {
      event.preventDefault();
      close.closest("dialog").close();
    }
  });
  document.addEventListener("close", function (event) {
    if (event.target.id !== "confirm-dialog") { return; }
    if (confirmOpener && document.contains(confirmOpener)) { confirmOpener.focus(); }
    confirmOpener = null;
  }, true);
  // After a void the page lands on the payment: its notice takes focus, so a screen
  // reader hears what changed where the captain is looking.
  window.addEventListener("load", function () {
    var voidNotice = document.querySelector("[data-void-notice]");
    if (voidNotice) { voidNotice.focus({ preventScroll: true }); }
  });

  // The message takes focus: the tapped button was disabled while the request ran, so
  // focus fell to the page; on the message it is announced and the place is kept.
  function focusMessage(region) {
    if (!region.hasAttribute("tabindex")) { region.setAttribute("tabindex", "-1"); }
    region.focus({ preventScroll: false });
  }

  function notSaved(form, why) {
    var status = form.querySelector(".form-status");
    if (status) {
      // The float plan's forms say what they record (data-what); payments by default.
      status.textContent = (form.dataset.what || "Payment") + " NOT saved: " + why +
        " Your entry is still here. Try again; it will not be recorded twice.";
      focusMessage(status);
    }
  }

  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form.payment-form, form.float-form")) {
      notSaved(form, "no connection to the server.");
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form.payment-form, form.float-form")) {
      var status = event.detail.xhr.status;
      notSaved(form, status === 503 ? "the server could not reach its database."
        : "the server answered with an error (" + status + ").");
    }
  });
  document.addEventListener("htmx:timeout", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form.payment-form, form.float-form")) {
      notSaved(form, "the server took too long to answer.");
    }
  });

  // Any other htmx form (the payment and float-plan forms say more, above): with no
  // connection, or no answer in time, nothing was sent. Say so plainly in the form's
  // status region (role=alert; data-not-sent words it), keeping everything typed.
  function otherForm(event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    return form && !form.matches("form.payment-form, form.float-form") ? form : null;
  }
  function status(form) {
    var region = form.querySelector(".form-status");
    if (!region) {
      region = document.createElement("p");
      region.className = "form-status";
      region.setAttribute("role", "alert");
      form.appendChild(region);
    }
    return region;
  }
  function notSent(event) {
    var form = otherForm(event);
    if (form) {
      var region = status(form);
      region.textContent = form.dataset.notSent ||
        "No connection — this was not sent. Try again when you have signal.";
      focusMessage(region);
    }
  }
  document.addEventListener("htmx:sendError", notSent);
  document.addEventListener("htmx:timeout", notSent);
  // A refusal (a closed trip, too many at once, the database away) is said there too,
  // in the words of the server's error page.
  document.addEventListener("htmx:responseError", function (event) {
    var form = otherForm(event);
    if (!form) { return; }
    var answer = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
    var said = answer.querySelector(".error-page p");
    var region = status(form);
    region.textContent = said ? said.textContent :
      "This was not saved (error " + event.detail.xhr.status + "). Try again in a minute.";
    focusMessage(region);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = otherForm(event);
    var region = form && form.querySelector(".form-status");
    if (region) { region.textContent = ""; }
  });
})();

// Sharing the patron link (_patron_link.html): the URL is in a readonly field that
// selects itself; Copy appears where the clipboard can be written, Share only where the
// phone has a share sheet (Web Share API). Without JavaScript the field is still there.
(function () {
  "use strict";
  function reveal(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("button.copy-link").forEach(function (button) {
      button.hidden = false;  // with no clipboard, Copy still selects the link
    });
    if (navigator.share) {
      root.querySelectorAll("button.share-link").forEach(function (button) { button.hidden = false; });
    }
  }
  reveal(document);
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches(".share-url")) { event.target.select(); }
  });

  function say(button, text) {
    var status = button.closest(".share") && button.closest(".share").querySelector(".copy-status");
    if (status) { status.textContent = text; }
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("button.copy-link");
    if (copy) {
      var field = document.getElementById(copy.dataset.copy);
      if (!field) { return; }
      var selectIt = function () {
        field.focus();
        field.select();
        say(copy, "Link selected: copy it from the menu.");
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(function () {
          say(copy, "Link copied.");
        }, selectIt);
      } else {
        selectIt();
      }
      return;
    }
    var share = event.target.closest && event.target.closest("button.share-link");
    if (share && navigator.share) {
      navigator.share({ title: share.dataset.shareTitle, url: share.dataset.shareUrl })
        .catch(function () { /* the person closed the share sheet */ });
    }
  });
})();
