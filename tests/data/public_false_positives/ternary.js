// A ternary choosing between two class names is not a key and its value.
item.className = outcome.passed ? "pass" : "fail";
