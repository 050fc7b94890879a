// Range checks for numeric flags, so a wrong number is refused with the flag's name and the
// allowed range (CLI11 puts "--flag: " before the message) instead of silently becoming a default.
// CLI11's own PositiveNumber prints "0.000000 to 1.79e308" and lets NaN through; these do not.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <string>

namespace llmcp::cli {

// An integer >= `least` (and <= `most`).
inline CLI::Validator at_least(int64_t least, int64_t most = INT64_MAX) {
  return CLI::Validator(
      [least, most](std::string& input) -> std::string {
        int64_t v = 0;
        if (CLI::detail::lexical_cast(input, v) && v >= least && v <= most) return {};
        return "got " + input + "; give an integer of at least " + std::to_string(least) +
               (most == INT64_MAX ? std::string() : " and at most " + std::to_string(most));
      },
      "INT >= " + std::to_string(least));
}

// A finite number above 0 and at most `most`, in `unit` (GiB, MiB).
inline CLI::Validator amount_above_zero(const std::string& unit, double most) {
  return CLI::Validator(
      [unit, most](std::string& input) -> std::string {
        double v = 0;
        if (CLI::detail::lexical_cast(input, v) && std::isfinite(v) && v > 0 && v <= most) return {};
        return "got " + input + "; give a number of " + unit + " above 0 (at most " +
               std::to_string(static_cast<int64_t>(most)) + ")";
      },
      unit + " > 0");
}

// A device's spelling: cpu, cuda, cuda:N or auto (whether it exists is checked where it is used).
inline CLI::Validator device_name() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        if (input == "cpu" || input == "cuda" || input == "auto") return {};
        if (input.size() > 5 && input.size() <= 8 && input.rfind("cuda:", 0) == 0 &&
            input.find_first_not_of("0123456789", 5) == std::string::npos)
          return {};
        return "got " + input + "; give cpu, cuda, cuda:N or auto";
      },
      "DEVICE");
}

}  // namespace llmcp::cli
