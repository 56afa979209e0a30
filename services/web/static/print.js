// The extract's print button (served by Sigill itself; no inline script).
document.getElementById("print")?.addEventListener("click", () => window.print());
