// Which reported scalars the page charts as "loss" and "test error": the exact names first,
// then any name containing the word (trainers name them differently).

const PREFERRED = {
  loss: ['loss', 'train_loss', 'train/loss'],
  error: ['test_error', 'test_error_rate', 'error_rate', 'test/error', 'error'],
};

export function pickScalar(names, which) {
  for (const name of PREFERRED[which]) if (names.includes(name)) return name;
  return names.find((n) => n.toLowerCase().includes(which)) || null;
}

export function scalarsLike(names, which) {
  return names.filter((n) => n.toLowerCase().includes(which));
}
