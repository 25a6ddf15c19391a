import { html, LitElement } from 'lit';
import { INCIDENTS, rendered } from '../data.js';

// No component library either: Lit's own kits (Shoelace/Web Awesome) have no zh-CN government look.
class GridlinkPage extends LitElement {
  createRenderRoot() {
    return this; // light DOM: the page's own style sheet applies, as the cloud's CSP wants
  }
  firstUpdated() {
    rendered();
  }
  render() {
    return html`<form>
        <label>用户名 <input name="username" /></label>
        <label>密码 <input name="password" type="password" /></label>
        <button type="submit">登录</button>
      </form>
      <ul>
        ${INCIDENTS.map((i) => html`<li><strong>${i.title}</strong> ${i.state} ${i.place}</li>`)}
      </ul>`;
  }
}
customElements.define('gridlink-page', GridlinkPage);
document.getElementById('app').append(document.createElement('gridlink-page'));
