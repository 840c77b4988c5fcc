import { api, post } from "../api";
import { h, state, time } from "../ui";

interface User { userName: string; role: string; maker?: string; createdAt: string }
interface Key { id: string; name: string; role: string; maker?: string; createdAt: string; fromConfiguration: boolean }

const roleSelect = () => h("select", { name: "role", "aria-label": "Role" }, ...["operator", "maker", "admin"].map((r) => h("option", { value: r }, r)));

export function renderAdmin(root: HTMLElement) {
  const users = h("div");
  const keys = h("div");
  const message = h("p", { class: "muted", role: "status" });
  const show = (text: string) => (message.textContent = text);

  const uName = h("input", { name: "userName", placeholder: "user name", "aria-label": "New user name" });
  const uPass = h("input", { name: "password", type: "password", placeholder: "password (10+)", "aria-label": "New user password" });
  const uRole = roleSelect();
  const uMaker = h("input", { name: "maker", placeholder: "maker (for maker users)", "aria-label": "Maker" });
  const userForm = h("form", { class: "inline" }, uName, uPass, uRole, uMaker, h("button", { type: "submit" }, "Create user"));
  const kName = h("input", { name: "name", placeholder: "key name", "aria-label": "Key name" });
  const kRole = roleSelect();
  const kMaker = h("input", { name: "maker", placeholder: "maker (for maker keys)", "aria-label": "Key maker" });
  const keyForm = h("form", { class: "inline" }, kName, kRole, kMaker, h("button", { type: "submit" }, "Create key"));

  root.append(
    h("h1", {}, "Users and API keys"),
    message,
    h("section", { class: "card wide" }, h("h2", {}, "Users"), userForm, users),
    h("section", { class: "card wide" }, h("h2", {}, "API keys"), keyForm, keys),
  );

  const loadUsers = async () => {
    try {
      const list = await api<User[]>("/api/users");
      users.replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, ...["User", "Role", "Maker", "Created", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...list.map((u) => h("tr", {}, h("td", {}, u.userName), h("td", {}, u.role), h("td", {}, u.maker ?? ""), h("td", {}, time(u.createdAt)),
          h("td", {},
            h("button", { class: "link", type: "button", onclick: async () => {
              const p = prompt(`New password for ${u.userName} (10+ characters)`);
              if (!p) return;
              try { await post(`/api/users/${encodeURIComponent(u.userName)}/password`, { password: p }); show(`Password of ${u.userName} reset.`); } catch (e) { show((e as Error).message); }
            } }, "reset password"), " ",
            h("button", { class: "link danger", type: "button", onclick: async () => {
              if (!confirm(`Delete ${u.userName}?`)) return;
              try { await api(`/api/users/${encodeURIComponent(u.userName)}`, { method: "DELETE" }); await loadUsers(); } catch (e) { show((e as Error).message); }
            } }, "delete")))))));
    } catch (e) {
      users.replaceChildren(state("error", (e as Error).message));
    }
  };
  const loadKeys = async () => {
    try {
      const list = await api<Key[]>("/api/keys");
      keys.replaceChildren(list.length === 0 ? state("empty", "No API keys.") : h("table", {}, h("thead", {}, h("tr", {}, ...["Id", "Name", "Role", "Maker", "Created", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...list.map((k) => h("tr", {}, h("td", { class: "hex" }, k.id), h("td", {}, k.name), h("td", {}, k.role), h("td", {}, k.maker ?? ""), h("td", {}, time(k.createdAt)),
          h("td", {}, k.fromConfiguration ? "from configuration" : h("button", { class: "link danger", type: "button", onclick: async () => {
            if (!confirm(`Revoke ${k.name}?`)) return;
            try { await api(`/api/keys/${k.id}`, { method: "DELETE" }); await loadKeys(); } catch (e) { show((e as Error).message); }
          } }, "revoke")))))));
    } catch (e) {
      keys.replaceChildren(state("error", (e as Error).message));
    }
  };

  userForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await post("/api/users", { userName: uName.value, password: uPass.value, role: uRole.value, maker: uMaker.value || undefined });
      show(`User ${uName.value} created.`);
      uName.value = uPass.value = uMaker.value = "";
      await loadUsers();
    } catch (err) { show((err as Error).message); }
  });
  keyForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const created = await post<{ secret: string }>("/api/keys", { name: kName.value, role: kRole.value, maker: kMaker.value || undefined });
      show(`Key created. Copy the secret now, it is not shown again: ${created.secret}`);
      kName.value = kMaker.value = "";
      await loadKeys();
    } catch (err) { show((err as Error).message); }
  });

  users.append(state("loading", "Loading…"));
  keys.append(state("loading", "Loading…"));
  void loadUsers();
  void loadKeys();
  return () => {};
}
