/**
 * Request headers as ESP-IDF keeps them (`http_header_set`): names match case-insensitively,
 * setting an existing name replaces its value in place, order is insertion order.
 */
export class HeaderList {
  #entries: Array<[string, string]> = [];

  set(name: string, value: string): void {
    const lower = name.toLowerCase();
    const found = this.#entries.find(([n]) => n.toLowerCase() === lower);
    if (found) found[1] = value;
    else this.#entries.push([name, value]);
  }

  delete(name: string): void {
    const lower = name.toLowerCase();
    this.#entries = this.#entries.filter(([n]) => n.toLowerCase() !== lower);
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#entries.some(([n]) => n.toLowerCase() === lower);
  }

  /** A copy, for one request. */
  list(): Array<[string, string]> {
    return this.#entries.map(([n, v]) => [n, v]);
  }
}
