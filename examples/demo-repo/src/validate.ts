// Input validators. Each returns true/false; validateUser collects messages.

export function isEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
}

export function isURL(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

export function isStrongPassword(pw: string): boolean {
  if (pw.length < 8) return false;
  if (!/[A-Z]/.test(pw)) return false;
  if (!/[a-z]/.test(pw)) return false;
  if (!/[0-9]/.test(pw)) return false;
  return true;
}

export function isUsername(name: string): boolean {
  if (name.length < 3 || name.length > 20) return false;
  return /^[a-zA-Z0-9_]+$/.test(name);
}

export function isPort(p: any): boolean {
  const n = Number(p);
  return Number.isInteger(n) && n > 0 && n <= 65535;
}

export function validateUser(u: any): string[] {
  const errors = [];
  if (!u.name || !isUsername(u.name)) errors.push('invalid name');
  if (!u.email || !isEmail(u.email)) errors.push('invalid email');
  if (u.password != undefined && !isStrongPassword(u.password)) errors.push('weak password');
  return errors;
}

export function isHexColor(s: string): boolean {
  return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(s);
}

export function isBlank(s: any) {
  return s == null || String(s).trim() == '';
}
