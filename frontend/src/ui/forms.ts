/**
 * Labelled form fields whose error text sits right under the field, is announced by
 * screen readers (`aria-describedby`, `aria-invalid`) and has a test id
 * (`<testId>-error`).
 */

import { el } from "./dom";

export { type Field, field, statusLine };

type Field = {
  element: HTMLElement;
  input: HTMLInputElement;
  setError: (message: string | null | undefined) => void;
};

type FieldOptions = {
  id: string;
  label: string;
  testId: string;
  type?: string;
  autocomplete?: string;
  inputmode?: string;
  hint?: string;
  placeholder?: string;
};

function field(options: FieldOptions): Field {
  const errorId = `${options.id}-error`;
  const hintId = `${options.id}-hint`;
  const input = el("input", {
    id: options.id,
    name: options.id,
    type: options.type ?? "text",
    autocomplete: options.autocomplete,
    inputmode: options.inputmode,
    placeholder: options.placeholder,
    "data-testid": options.testId,
    "aria-describedby": options.hint ? `${hintId} ${errorId}` : errorId,
  });
  const error = el("p", { id: errorId, class: "field-error", "data-testid": `${options.testId}-error` });
  error.hidden = true;
  const element = el(
    "div",
    { class: "field" },
    el("label", { for: options.id }, options.label),
    options.hint ? el("p", { id: hintId, class: "hint" }, options.hint) : null,
    input,
    error,
  );
  const setError = (message: string | null | undefined): void => {
    error.textContent = message ?? "";
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  };
  return { element, input, setError };
}

/** A line for a form's overall progress or failure; `kind` styles it. */
function statusLine(testId: string): {
  element: HTMLParagraphElement;
  set: (text: string | null, kind?: "info" | "ok" | "error") => void;
} {
  const element = el("p", { class: "status", "data-testid": testId, role: "status" });
  element.hidden = true;
  const set = (text: string | null, kind: "info" | "ok" | "error" = "info"): void => {
    element.textContent = text ?? "";
    element.hidden = !text;
    element.dataset.kind = kind;
  };
  return { element, set };
}
