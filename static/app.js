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
      var invalid = box.querySelector("[aria-invalid=true]");
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
    var form = event.detail.target;
    if (!form || form.id !== "waiver-form" || !document.contains(form)) {
      form = document.getElementById("waiver-form");
      if (!form || event.detail.target !== form && !form.contains(event.detail.target)) { return; }
    }
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

  function notSaved(form, why) {
    var status = form.querySelector(".form-status");
    if (status) {
      // The float plan's forms say what they record (data-what); payments by default.
      status.textContent = (form.dataset.what || "Payment") + " NOT saved: " + why +
        " Your entry is still here. Try again; it will not be recorded twice.";
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
      status(form).textContent = form.dataset.notSent ||
        "No connection — this was not sent. Try again when you have signal.";
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
    status(form).textContent = said ? said.textContent :
      "This was not saved (error " + event.detail.xhr.status + "). Try again in a minute.";
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = otherForm(event);
    var region = form && form.querySelector(".form-status");
    if (region) { region.textContent = ""; }
  });
})();
