// Checks the forms as the user types (issue 21). A checked field names its
// rule (data-check) and carries, per problem, the server's own message in
// the page's language (data-msg-<problem>, from src/core/i18n/forms.rs):
// this script holds no text. Each rule mirrors the Rust parser named beside
// it; tests/browser/forms.mjs proves on a table of inputs that both give the
// same message. A field is checked once it was edited and left (then at
// each keystroke), and every field on submit; an error is shown with the
// markup the server uses (templates/macros.html). Without JavaScript the
// server answers with the same words.
'use strict';
(function () {
  var SPACES = /^\p{White_Space}+|\p{White_Space}+$/gu;
  var GRAPHIC = /^[\x21-\x7e]+$/;
  // Rust's str::trim and chars().count().
  function trim(v) { return v.replace(SPACES, ''); }
  function chars(v) { return Array.from(v).length; }

  // isin::check_digit: letters as two digits, then Luhn from the right.
  function isinCheckDigit(body) {
    var digits = body.replace(/[A-Z]/g, function (c) { return String(c.charCodeAt(0) - 55); });
    var sum = 0;
    for (var i = 0; i < digits.length; i += 1) {
      var d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 0) { d *= 2; d = Math.floor(d / 10) + (d % 10); }
      sum += d;
    }
    return (10 - (sum % 10)) % 10;
  }

  // A trimmed value: '' → required, else `valid(v)` or invalid (receiving::required
  // then the provider's parser).
  function filledAnd(valid) {
    return function (v) { v = trim(v); return v === '' ? 'required' : valid(v) ? '' : 'invalid'; };
  }

  var rules = {
    // account::Email::parse
    email: function (v) {
      v = trim(v).toLowerCase();
      if (v === '') { return 'required'; }
      if (chars(v) > 254) { return 'too_long'; }
      var at = v.lastIndexOf('@');
      if (at < 0) { return 'invalid'; }
      var local = v.slice(0, at);
      var domain = v.slice(at + 1);
      var domainOk = domain.indexOf('.') > 0 && domain.slice(-1) !== '.' &&
        domain.indexOf('..') < 0 && /^[\p{Alphabetic}\p{N}.-]+$/u.test(domain);
      return local !== '' && !/[\p{White_Space}\p{Cc}@<>]/u.test(local) && domainOk ? '' : 'invalid';
    },
    // account::Password::parse (kept as typed)
    password: function (v) {
      var n = chars(v);
      return n === 0 ? 'required' : n < 8 ? 'too_short' : n > 128 ? 'too_long' : '';
    },
    filled: function (v) { return v === '' ? 'required' : ''; },
    // account::api_field
    api: function (v) {
      v = trim(v);
      if (v === '') { return 'required'; }
      if (chars(v) > 128) { return 'too_long'; }
      return /[\p{Cc}\p{White_Space}]/u.test(v) ? 'invalid' : '';
    },
    // sips::account::parse
    sips_merchant_id: filledAnd(function (v) { return /^[0-9]{15}$/.test(v); }),
    sips_secret_key: filledAnd(function (v) { return v.length <= 256 && GRAPHIC.test(v); }),
    sips_key_version: filledAnd(function (v) { return /^[0-9]+$/.test(v) && Number(v) >= 1 && Number(v) <= 4294967295; }),
    // monetico::form::valid_tpe, valid_societe, key::UsableKey::derive
    monetico_tpe: filledAnd(function (v) { return /^[A-Za-z0-9]{7}$/.test(v); }),
    monetico_societe: filledAnd(function (v) { return v.length <= 100 && GRAPHIC.test(v); }),
    monetico_key: filledAnd(function (v) {
      if (!/^[\x00-\x7f]{40}$/.test(v)) { return false; }
      var c = v.split('');
      var before = v.charCodeAt(38);
      if (before >= 71 && before <= 96) { c[38] = String.fromCharCode(before - 23); }
      if (c[39] === 'M') { c[39] = '0'; }
      return /^[0-9A-Fa-f]{40}$/.test(c.join(''));
    }),
    // account::RegisterInput::parse
    terms: function (v, field) { return field.checked ? '' : 'invalid'; },
    // isin::Isin::parse (ASCII letters upper-cased)
    isin: function (v) {
      v = trim(v).replace(/[a-z]/g, function (c) { return c.toUpperCase(); });
      return /^[A-Z]{2}[A-Z0-9]{9}[0-9]$/.test(v) && isinCheckDigit(v.slice(0, 11)) === Number(v[11]) ? '' : 'invalid';
    },
    // purchase::parse_amount: money::Amount::parse (a comma is the dot), then the bounds
    amount: function (v, field) {
      v = trim(v);
      if (v === '') { return 'required'; }
      var m = /^([0-9]{1,5})(?:\.([0-9]{1,2}))?$/.exec(v.replace(',', '.'));
      if (!m) { return 'invalid'; }
      var cents = Number(m[1]) * 100 + Number(((m[2] || '') + '00').slice(0, 2));
      return cents < Number(field.getAttribute('data-min-cents')) ? 'too_small'
        : cents > Number(field.getAttribute('data-max-cents')) ? 'too_large' : '';
    },
    // rules::ProfitRate::parse
    rate: function (v) { v = trim(v); return /^[0-9]+$/.test(v) && Number(v) <= 100 ? '' : 'invalid'; },
    // routes::account::api_keys::create
    key_name: function (v) { v = trim(v); return v !== '' && chars(v) <= 100 ? '' : 'invalid'; }
  };

  // The problem of a field, '' when none; the other providers' fields of a
  // receiving-account form are not read (core::receiving).
  function problemOf(field) {
    var rule = rules[field.getAttribute('data-check')];
    var provider = field.closest('[data-psp]');
    var chosen = field.form && field.form.querySelector('input[name=psp]:checked');
    if (!rule || (provider && chosen && chosen.value !== provider.getAttribute('data-psp'))) {
      return '';
    }
    return rule(field.value, field);
  }

  // Shows or clears the field's message as the server renders it: a
  // `p.error` with role=alert after the field (or its label), named by
  // aria-describedby, the field aria-invalid.
  function show(field, problem) {
    var id = field.id + '-error';
    var note = document.getElementById(id);
    var message = problem && field.getAttribute('data-msg-' + problem);
    if (!message) {
      if (note) { note.remove(); }
      field.removeAttribute('aria-invalid');
      field.removeAttribute('aria-describedby');
      return true;
    }
    if (!note) {
      note = document.createElement('p');
      note.className = 'error';
      note.id = id;
      note.setAttribute('role', 'alert');
      (field.closest('label') || field).after(note);
    }
    if (note.textContent !== message) { note.textContent = message; }
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', id);
    return false;
  }

  function check(field) { return show(field, problemOf(field)); }

  function checked(target) {
    return target instanceof Element && target.matches('[data-check]') ? target : null;
  }

  document.addEventListener('input', function (event) {
    var field = checked(event.target);
    if (!field) { return; }
    field.setAttribute('data-edited', '');
    // Live once left after an edit, or when the server refused it.
    if (field.hasAttribute('data-live') || field.getAttribute('aria-invalid') === 'true') {
      check(field);
    }
  });

  document.addEventListener('focusout', function (event) {
    var field = checked(event.target);
    if (field && field.hasAttribute('data-edited')) {
      field.setAttribute('data-live', '');
      check(field);
    }
  });

  // Another provider chosen: its fields count, the others' not.
  document.addEventListener('change', function (event) {
    var form = event.target.form;
    if (event.target.name !== 'psp' || !form) { return; }
    form.querySelectorAll('[data-check][data-live]').forEach(check);
  });

  document.addEventListener('submit', function (event) {
    var first = null;
    event.target.querySelectorAll('[data-check]').forEach(function (field) {
      field.setAttribute('data-live', '');
      if (!check(field) && !first) { first = field; }
    });
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
}());
