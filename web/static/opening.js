/* The opening balances form's trial balance as the treasurer types: per fund, what the asset lines and the running
   deposits (principal and accrued interest) hold on the debit side, what the other lines owe or protect on the
   credit side, and the fund capital (353) that balances the fund — as the server fills it in when no line gives it.
   Whole đồng only: "1.500.000", "1,500,000" and "1500000" are the same; anything else marks the line and counts
   nothing. Progressive: without this script the "Check" button shows the same trial balance from the server. */
(function () {
  "use strict";

  var form = document.getElementById("opening-form");
  var live = document.getElementById("opening-live");
  if (!form || !live) {
    return;
  }
  var body = live.querySelector("tbody");

  function dong(text) {
    var t = (text || "").trim().replace(/\s/g, "").replace(/đ$/i, "");
    if (t === "") {
      return 0;
    }
    if (!/^\d{1,3}([.,]\d{3})*$|^\d+$/.test(t)) {
      return null;
    }
    return parseInt(t.replace(/[.,]/g, ""), 10);
  }

  function vnd(n) {
    var s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (n < 0 ? "−" : "") + s + " đ";
  }

  function fundName(select) {
    var o = select && select.options[select.selectedIndex];
    return o ? o.textContent : "";
  }

  function cell(text, numeric) {
    var td = document.createElement("td");
    td.textContent = text;
    if (numeric) {
      td.className = "n";
    }
    return td;
  }

  function update() {
    var funds = {};
    var order = [];
    function fund(code, name) {
      if (!funds[code]) {
        funds[code] = {name: name, debit: 0, credit: 0};
        order.push(code);
      }
      return funds[code];
    }
    form.querySelectorAll("#opening-lines tbody tr").forEach(function (tr) {
      var account = tr.querySelector("select[name=account]");
      var fundSel = tr.querySelector("select[name=fund]");
      var input = tr.querySelector("input[name=amount]");
      var amount = dong(input.value);
      input.classList.toggle("invalid", amount === null);
      var opt = account.options[account.selectedIndex];
      if (!opt || !opt.value || !amount) {
        return;
      }
      var f = fund(fundSel.value, fundName(fundSel));
      if (opt.dataset.kind === "asset") {
        f.debit += amount;
      } else {
        f.credit += amount;
      }
    });
    form.querySelectorAll("#opening-deposits tbody tr").forEach(function (tr) {
      var principal = dong(tr.querySelector("input[name=dep_principal]").value);
      var accrued = dong(tr.querySelector("input[name=dep_accrued]").value);
      var fundSel = tr.querySelector("select[name=dep_fund]");
      if (!tr.querySelector("input[name=dep_contract]").value.trim() || !principal) {
        return;
      }
      fund(fundSel.value, fundName(fundSel)).debit += principal + (accrued || 0);
    });
    body.replaceChildren();
    order.forEach(function (code) {
      var f = funds[code];
      var tr = document.createElement("tr");
      tr.dataset.fund = code;
      tr.append(cell(f.name, false), cell(vnd(f.debit), true), cell(vnd(f.credit), true),
                cell(vnd(f.debit - f.credit), true));
      tr.lastChild.dataset.amount = String(f.debit - f.credit);
      body.append(tr);
    });
    live.hidden = order.length === 0;
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
