// Posts the forms marked data-autosubmit as soon as the page is read
// (the card providers' sealed checkout forms); without JavaScript the
// buyer presses the form's button.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
  form.submit();
});
