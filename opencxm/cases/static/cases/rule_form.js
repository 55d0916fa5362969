// Case rule form: the threshold matters only for the NPS and CSAT triggers, the topics only for
// "negative comment on a topic"; the other one is hidden (the server ignores it either way).
(function () {
  "use strict";
  const trigger = document.getElementById("id_trigger");
  if (!trigger) {
    return;
  }
  const usedBy = { threshold: ["nps_max", "csat_max"], topics: ["negative_topic"] };

  function update() {
    for (const [name, triggers] of Object.entries(usedBy)) {
      const input = document.getElementById("id_" + name);
      const wrapper = input && input.closest(".mb-3");
      if (wrapper) {
        wrapper.hidden = !triggers.includes(trigger.value);
      }
    }
  }

  trigger.addEventListener("change", update);
  update();
})();
