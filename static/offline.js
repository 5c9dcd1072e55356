// Ship Captain Crew: Log Payment that survives a dead signal.
//
// A payment that cannot reach the server (no network, server down, 502/503/504) is
// saved in this phone's IndexedDB with its own payment_id, shown as pending on its
// card, and sent later, in order, when the connection is back (on the `online` event,
// on every page start and every 30 s). The server's idempotency keys make a replay of
// a payment that did arrive harmless. A payment is only ever sent by the person who
// queued it; refused ones stay, with the server's message, until fixed or discarded.
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch) { return; }

  var user = meta("scc-user");
  var csrf = meta("csrf-token");
  var flushing = false;
  // Made on first use: creating an Intl.NumberFormat costs ~25 ms of main thread (ICU),
  // the whole of this script's start-up, and most pages never format a queued payment.
  var money = { format: function (n) {
    money.nf = money.nf || new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
    return money.nf.format(n);
  } };

  function meta(name) {
    var el = document.querySelector("meta[name=" + name + "]");
    return el ? el.getAttribute("content") : "";
  }

  // The server's amount rule (server/domain/money.py AMOUNT_PATTERN, rendered on the
  // queue panel and as the amount input's pattern): a payment is kept on this phone, or
  // sent again after a fix, only with an amount the server would read.
  var AMOUNT_MESSAGE = "Enter an amount in dollars and cents, like 40 or 1,200.50.";
  function amountRule() {
    var panel = document.getElementById("queue-panel");
    return panel && panel.dataset.amountPattern ? panel.dataset : null;
  }
  // `zeroOk`: 0 is read (a tip's field, or the amount of a payment that is a tip alone).
  function amountOk(text, zeroOk) {
    var rule = amountRule();
    if (!rule) { return true; }  // no rule on this page: the server decides
    var shape;
    try { shape = new RegExp("^(?:" + rule.amountPattern + ")$", "v"); }
    catch (e) { shape = new RegExp("^(?:" + rule.amountPattern + ")$", "u"); }
    if (!shape.test(text) || !/[0-9]/.test(text)) { return false; }
    var value = Number(text.replace(/[$,\s]/g, ""));
    return (value > 0 || (zeroOk && value === 0)) && value <= Number(rule.amountMax);
  }
  var TIP_MESSAGE = "Enter a tip in dollars and cents, like 20 or 40.50, or leave it blank.";
  function tipValue(text) { return Number(String(text || "").replace(/[$,\s]/g, "")) || 0; }
  function tipOk(text) { return !String(text || "").trim() || amountOk(String(text), true); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- the queue in IndexedDB (one object per payment, keyed by payment_id) ----------
  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("scc-offline", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("queue", { keyPath: "payment_id" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("queue", mode);
        var result = work(t.objectStore("queue"));
        t.oncomplete = function () { resolve(result && result.result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
    });
  }
  function save(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function drop(id) { return tx("readwrite", function (s) { return s.delete(id); }); }

  // --- queueing from the Log Payment form --------------------------------------------
  function isPaymentForm(el) { return el && el.matches && el.matches("form.payment-form"); }

  // More than the balance due asks once, as the server's form does: the same amount
  // tapped again is kept as an overpayment (a changed amount asks again).
  function asksFirst(form, data, card) {
    var due = Number(data.get("balance_due") || (card && card.dataset.balanceDue));
    var amount = Number(String(data.get("amount") || "").replace(/[$,\s]/g, ""));
    var status = form.querySelector(".form-status");
    if (isNaN(due) || isNaN(amount) || Math.round(amount * 100) <= Math.round(due * 100) ||
        form.dataset.overOk === String(amount)) { return false; }
    form.dataset.overOk = String(amount);
    if (status) {
      status.textContent = amountText(amount) + " is " + amountText(amount - due) +
        " more than the balance due. Check the amount, or tap Save again to keep it as an overpayment.";
    }
    return true;
  }

  function queueForm(form) {
    var data = new FormData(form);
    var card = document.getElementById(form.dataset.card || "");
    var typed = form.querySelector("input[name=amount]");
    var tipped = form.querySelector("input[name=tip]");
    var tip = String(data.get("tip") || "");
    if (!tipOk(tip)) {
      var told = form.querySelector(".form-status");
      if (told) { told.textContent = TIP_MESSAGE; }
      if (tipped) { tipped.setAttribute("aria-invalid", "true"); tipped.focus(); }
      return Promise.resolve(null);
    }
    if (tipped && !form.querySelector(".field-error")) { tipped.removeAttribute("aria-invalid"); }
    if (!amountOk(String(data.get("amount") || ""), tipValue(tip) > 0)) {
      var said = form.querySelector(".form-status");
      if (said) { said.textContent = AMOUNT_MESSAGE; }
      if (typed) { typed.setAttribute("aria-invalid", "true"); typed.focus(); }
      return Promise.resolve(null);
    }
    if (typed && !form.querySelector(".field-error")) { typed.removeAttribute("aria-invalid"); }
    if (asksFirst(form, data, card)) { return Promise.resolve(null); }
    var item = {
      payment_id: String(data.get("payment_id") || newKey()),
      event_id: form.dataset.eventId || "",
      label: form.dataset.label || "",
      patron: form.dataset.patron || (card && card.dataset.patron) || "",
      url: form.getAttribute("data-hx-post") || form.getAttribute("action"),
      amount: String(data.get("amount") || ""),
      tip: tip,
      method: String(data.get("method") || ""),
      note: String(data.get("note") || ""),
      user: user,
      queued_at: new Date().toISOString(),
      status: "waiting",
      message: ""
    };
    return save(item).then(function () {
      // Ready for the next payment (a new key, empty fields); the modal closes and the
      // toast repeats what was kept, for whom.
      form.reset();
      delete form.dataset.overOk;
      form.querySelector("input[name=payment_id]").value = newKey();
      var status = form.querySelector(".form-status");
      if (status) { status.textContent = ""; }  // not "NOT saved": it is, on the phone
      // The card shows its pending line before the modal closes, so the card does not
      // grow under the finger that goes for its Log Payment button again.
      return render().catch(function () { return null; }).then(function () {
        var patron = item.patron || item.label;
        say("Saved on this phone: " + paymentText(item) +
          (patron ? " for " + patron : "") + " — will send when online");
        var dialog = document.getElementById("payment-dialog");
        if (dialog && dialog.open && dialog.contains(form)) { dialog.close(); }
        return card;
      });
    });
  }

  function amountText(amount) {
    return money.format(Number(String(amount).replace(/[$,\s]/g, "")) || 0);
  }
  // "$200.00 card + $40.00 tip": a queued payment as the lists and toasts name it.
  function paymentText(item) {
    return amountText(item.amount) + " " + item.method +
      (tipValue(item.tip) > 0 ? " + " + amountText(item.tip) + " tip" : "");
  }

  var sayTimer = null;
  function say(text) {
    var toast = document.getElementById("toast");
    if (!toast) { return; }
    toast.textContent = text;
    clearTimeout(sayTimer);
    sayTimer = setTimeout(function () { toast.textContent = ""; }, 8000);
  }

  // Offline the moment the connection drops, not only after a reload: a banner on top,
  // gone when it is back (with the one the service worker puts on a kept page).
  function showConnection() {
    var banner = document.getElementById("offline-now");
    if (navigator.onLine !== false) {
      document.querySelectorAll(".offline-banner").forEach(function (el) { el.remove(); });
      return;
    }
    var main = document.getElementById("main");
    if (banner || !main || document.querySelector(".offline-banner")) { return; }
    banner = document.createElement("p");
    banner.id = "offline-now";
    banner.className = "offline-banner offline-now";
    banner.setAttribute("role", "status");
    banner.textContent = "Offline — no connection. Payments you log are saved on this phone " +
      "and sent when you are back online.";
    main.parentNode.insertBefore(banner, main);
  }
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", showConnection);
  showConnection();

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPaymentForm(event.detail.elt) && navigator.onLine === false) {
      event.preventDefault();
      queueForm(event.detail.elt);
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (isPaymentForm(elt)) { queueForm(elt); return; }
    // Offline, a link to a trip falls back to the copy the service worker kept.
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (elt.matches && elt.matches("a[data-hx-push-url]") && path) { window.location.assign(path); }
    if (elt.matches && elt.matches("a.log-payment")) { openOfflineForm(elt); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var code = event.detail.xhr.status;
    if (isPaymentForm(event.detail.elt) && (code === 502 || code === 503 || code === 504)) {
      queueForm(event.detail.elt);
    }
  });

  // Offline and never opened: a plain form for the modal, built here, same fields.
  function openOfflineForm(link) {
    var card = link.closest("article");
    var box = document.getElementById("payment-dialog-body");
    var template = document.getElementById("offline-payment-form");
    if (!card || !box || !template) { return; }
    box.replaceChildren(template.content.cloneNode(true));
    var form = box.querySelector("form");
    form.setAttribute("action", link.getAttribute("href").replace(/^\/dispatch\/events\/([^/]+)\/payment$/, "/api/events/$1/payment"));
    form.dataset.eventId = card.id.replace(/^card-/, "");
    form.dataset.card = card.id;
    form.dataset.label = card.querySelector(".patron") ? card.querySelector(".patron").textContent : "";
    form.dataset.patron = card.dataset.patron || "";
    // Which trip this is for, as the card names it: "Bo · whale · Today · Sat 28 Nov".
    var when = card.querySelector(".when");
    form.querySelector(".offline-trip").textContent = form.dataset.label + (when ? " · " + when.textContent : "");
    form.querySelector("input[name=payment_id]").value = newKey();
    form.addEventListener("submit", function (event) { event.preventDefault(); queueForm(form); });
    var dialog = document.getElementById("payment-dialog");
    if (!dialog.open) { dialog.showModal(); }
    form.querySelector("input[name=amount]").focus();
  }

  // --- sending, in order ---------------------------------------------------------------
  function flush() {
    if (flushing || !user || navigator.onLine === false) { return Promise.resolve(); }
    flushing = true;
    sentNow = [];
    return all().then(function (items) {
      var mine = items.filter(function (i) { return i.user === user && i.status === "waiting"; });
      return mine.reduce(function (previous, item) {
        return previous.then(function (go) { return go ? send(item) : false; });
      }, Promise.resolve(true));
    }).catch(function () { return false; }).then(function () {
      flushing = false;
      // What went, said in the toast (a live region: screen readers hear it too), in
      // place of the pending marks that are about to disappear.
      if (sentNow.length) { say("Sent: " + sentNow.join("; ")); }
      render();
    });
  }

  var sentNow = [];
  function sentText(item) {
    var patron = item.patron || item.label;
    return paymentText(item) + (patron ? " for " + patron : "");
  }

  function send(item) {
    var body = new FormData();
    // A payment queued before tips were kept has none: sent as blank (no tip).
    ["payment_id", "amount", "tip", "method", "note"].forEach(function (k) { body.append(k, item[k] || ""); });
    body.append("csrf_token", csrf);
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (response) {
      if (response.status === 201) {
        return response.json().then(function (saved) {
          updateCard(item.event_id, saved);
          sentNow.push(sentText(item));
          return drop(item.payment_id).then(function () { return true; });
        });
      }
      if (response.status === 401 || response.status === 403 || response.status >= 500) {
        return false;  // signed out, or the server cannot save now: try again later
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        // Every JSON error has one shape: {"error": message, "fields": {name: message}}.
        item.status = "refused";
        item.message = answer.error || "The server refused this payment (" + response.status + ").";
        return save(item).then(function () { return true; });
      });
    }, function () { return false; });
  }

  function updateCard(eventId, saved) {
    var card = document.getElementById("card-" + eventId);
    if (!card) { return; }
    var paid = card.querySelector(".paid");
    if (paid) { paid.textContent = money.format(Number(saved.paid)); }
    var balance = card.querySelector(".balance");
    if (balance) {
      var due = Number(saved.balance_due);
      balance.querySelector("dt").textContent = due < 0 ? "Overpaid by" : "Balance due";
      balance.classList.toggle("overpaid", due < 0);
      balance.querySelector("dd").textContent = money.format(Math.abs(due));
    }
    var tips = card.querySelector(".tips");
    if (tips && saved.tips !== undefined) { tips.textContent = money.format(Number(saved.tips)); }
    card.dataset.balanceDue = saved.balance_due;  // what the next offline payment is checked against
    var count = card.querySelector(".payment-count");
    if (count) { count.textContent = String(Number(count.textContent) + 1); }
  }

  // --- what the crew member sees: pending marks on cards, a badge, the list ------------
  function render() {
    return all().then(function (items) {
      document.querySelectorAll(".pending-payments").forEach(function (el) { el.remove(); });
      items.forEach(function (item) {
        var card = document.getElementById("card-" + item.event_id);
        if (!card) { return; }
        var list = card.querySelector(".pending-payments");
        if (!list) {
          list = document.createElement("ul");
          list.className = "pending-payments";
          card.insertBefore(list, card.querySelector(".log-payment"));
        }
        var li = document.createElement("li");
        li.className = item.status === "refused" ? "refused" : "pending";
        li.textContent = (item.status === "refused" ? "Not accepted: " : "Pending, saved on this phone: ") +
          paymentText(item);
        list.appendChild(li);
      });
      var badge = document.getElementById("queue-badge");
      if (badge) {
        badge.hidden = items.length === 0;
        badge.textContent = items.length + " payment" + (items.length === 1 ? "" : "s") + " on this phone";
      }
      renderPanel(items);
    });
  }

  function renderPanel(items) {
    var list = document.getElementById("queue-list");
    if (!list) { return; }
    list.replaceChildren();
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "payment " + item.status;
      var what = document.createElement("p");
      what.textContent = paymentText(item) +
        " · " + (item.label || item.event_id) + (item.note ? " · " + item.note : "");
      var state = document.createElement("p");
      state.className = "meta";
      if (item.user !== user) {
        state.textContent = "Queued by " + item.user + ": sign in as them to send it.";
      } else if (item.status === "refused") {
        state.textContent = "Not accepted: " + item.message;
      } else {
        state.textContent = "Waiting to send (saved " + new Date(item.queued_at).toLocaleTimeString() + ").";
      }
      li.append(what, state);
      if (item.status === "refused" && item.user === user) { li.append(fixForm(item)); }
      list.appendChild(li);
    });
  }

  // A refused payment is fixed (sent again under a new key) or discarded, by choice.
  function fixForm(item) {
    var form = document.createElement("form");
    form.className = "stack fix-form";
    [["amount", "Amount"], ["tip", "Tip"], ["note", "Note"]].forEach(function (pair) {
      var label = document.createElement("label");
      label.textContent = pair[1];
      var input = document.createElement("input");
      input.name = pair[0];
      input.value = item[pair[0]] || "";
      var rule = amountRule();
      if (pair[0] !== "note" && rule) {  // the same rule as the Log Payment form's
        input.required = pair[0] === "amount";
        input.pattern = rule.amountPattern;
        input.inputMode = "decimal";
        input.title = "Dollars and cents, like 40 or 1,200.50";
      }
      label.appendChild(input);
      form.appendChild(label);
    });
    var retry = document.createElement("button");
    retry.type = "submit";
    retry.textContent = "Send again";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard this payment";
    discard.addEventListener("click", function () { drop(item.payment_id).then(render); });
    form.append(retry, discard);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var amount = form.elements.amount;
      var tipInput = form.elements.tip;
      if (!tipOk(tipInput.value)) {
        tipInput.setCustomValidity(TIP_MESSAGE);
        tipInput.reportValidity();
        tipInput.addEventListener("input", function () { tipInput.setCustomValidity(""); }, { once: true });
        return;
      }
      if (!amountOk(amount.value, tipValue(tipInput.value) > 0)) {
        amount.setCustomValidity(AMOUNT_MESSAGE);
        amount.reportValidity();
        amount.addEventListener("input", function () { amount.setCustomValidity(""); }, { once: true });
        return;
      }
      var fixed = Object.assign({}, item, {
        payment_id: newKey(), amount: form.elements.amount.value, tip: tipInput.value,
        note: form.elements.note.value,
        status: "waiting", message: ""
      });
      drop(item.payment_id).then(function () { return save(fixed); }).then(flush);
    });
    return form;
  }

  document.addEventListener("click", function (event) {
    var badge = event.target.closest && event.target.closest("#queue-badge");
    if (!badge) { return; }
    var panel = document.getElementById("queue-panel");
    panel.hidden = !panel.hidden;
    badge.setAttribute("aria-expanded", String(!panel.hidden));
  });

  // Signing out forgets the pages kept for offline reading (the queue stays: it is
  // sent when its owner signs in again).
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("action");
    if ((action === "/logout" || action === "/logout/everywhere") && navigator.serviceWorker &&
        navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget-pages");
    }
  });

  document.addEventListener("htmx:afterSettle", render);
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  // The service worker after the page has loaded, so its set-up never competes with the
  // page's own start-up (the queue is read and sent at once, as before).
  function registerWorker() { navigator.serviceWorker.register("/sw.js"); }
  if ("serviceWorker" in navigator) {
    if (document.readyState === "complete") { registerWorker(); }
    else { window.addEventListener("load", registerWorker); }
  }
  render().then(flush);

  // For the browser tests: a way to ask for a send now and to read the queue.
  window.sccOffline = { flush: flush, items: all };
})();
