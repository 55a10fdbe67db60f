// The warning before a session ends for want of use (WCAG 2.2.1, timing adjustable): shown two
// minutes before the end (half the limit when it is shorter), with a way to stay signed in. Without
// JavaScript the page says the limit, and a form sent after it is kept for the person to send again.

const MINUTE = 60_000;

function inWords(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

export function initSessionTimeout(root = document) {
  const box = root.querySelector('[data-module="cspr-session-timeout"]');
  if (!box) return;
  const idle = Number(box.dataset.idleSeconds) * 1000;
  if (!Number.isFinite(idle) || idle <= 0) return;
  const warnBefore = Math.min(2 * MINUTE, idle / 2);
  const dialog = box.querySelector('[role="alertdialog"]');
  const countdown = box.querySelector('[data-countdown]');
  const form = box.querySelector('form');
  const ended = box.querySelector('[data-ended]');
  const stillOn = box.querySelector('[data-still-on]');
  let lastUse = Date.now();
  let warnTimer;
  let tick;
  let returnTo = null;

  const others = () => [...document.body.children].filter((el) => el !== box && el.tagName !== 'SCRIPT');
  const open = () => {
    returnTo = document.activeElement;
    for (const el of others()) el.inert = true;
    box.hidden = false;
    update();
    dialog.focus();
    tick = setInterval(update, 1000);
  };
  const close = () => {
    clearInterval(tick);
    box.hidden = true;
    for (const el of others()) el.inert = false;
    if (returnTo && typeof returnTo.focus === 'function') returnTo.focus();
  };
  const schedule = () => {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(open, Math.max(0, lastUse + idle - warnBefore - Date.now()));
  };
  const signedOut = () => {
    clearInterval(tick);
    stillOn.hidden = true;
    ended.hidden = false;
    dialog.focus();
  };
  function update() {
    const left = lastUse + idle - Date.now();
    if (left <= 0) return signedOut();
    countdown.textContent = inWords(left);
  }

  const stay = async () => {
    const token = form.querySelector('input[name="_csrf"]').value;
    try {
      const res = await fetch(form.action, { method: 'POST', credentials: 'same-origin', redirect: 'manual', headers: { 'x-csrf-token': token, accept: 'application/json' } });
      if (res.status !== 204) return signedOut();
    } catch {
      return signedOut();
    }
    lastUse = Date.now();
    close();
    schedule();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void stay();
  });
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && ended.hidden) {
      event.preventDefault();
      void stay();
    } else if (event.key === 'Tab') {
      // Focus stays in the dialog while it is open.
      const focusable = [...dialog.querySelectorAll('button, a[href]')].filter((el) => !el.closest('[hidden]'));
      if (focusable.length === 0) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  schedule();
}
