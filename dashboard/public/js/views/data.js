// `/data`: the customers and the products with their figures over every order (SPEC §10),
// behind the same sign-in as Recent orders: two tabs, each a browse list (search, a filter,
// sortable columns, pages). A customer's row opens that customer's orders below the list
// (the order list filtered by customer_id: panels/orders.js).
import { el, replace } from '../dom.js';
import { formatDate, formatInt, formatMoney } from '../format.js';
import { browseList } from '../panels/browse-list.js';
import { ordersPanel } from '../panels/orders.js';

const date = (v) => (v ? formatDate(v) : '–');
const WHY = 'Customer names and addresses are personal data, so the API shows them only to signed-in users.';

const TABS = {
  customers: () => browseList({
    name: 'customer-list', title: 'Customers', path: '/api/v1/customers/', noun: 'customers', why: WHY,
    idKey: 'customer_id',
    filter: { name: 'country', label: 'Country', all: 'All countries', by: 'country' },
    columns: [
      { key: 'customer_id', label: 'Customer', ordering: 'customer_id' },
      { key: 'name', label: 'Name' },
      { key: 'email', label: 'Email' },
      { key: 'city', label: 'City' },
      { key: 'country', label: 'Country' },
      { key: 'first_order_date', label: 'First order', format: date },
      { key: 'last_order_date', label: 'Last order', format: date, ordering: '-last_order_date' },
      { key: 'orders', label: 'Orders', num: true, format: formatInt, ordering: '-orders' },
      { key: 'revenue', label: 'Revenue', num: true, format: formatMoney, ordering: '-revenue' },
    ],
    onRow: showOrders,
  }),
  products: () => browseList({
    name: 'product-list', title: 'Products', path: '/api/v1/products/', noun: 'products', why: WHY,
    idKey: 'product_id',
    filter: { name: 'category', label: 'Category', all: 'All categories', by: 'category' },
    columns: [
      { key: 'product_id', label: 'Product', ordering: 'product_id' },
      { key: 'name', label: 'Name' },
      { key: 'category', label: 'Category' },
      { key: 'first_order_date', label: 'First order', format: date },
      { key: 'last_order_date', label: 'Last order', format: date },
      { key: 'orders', label: 'Orders', num: true, format: formatInt },
      { key: 'units_sold', label: 'Units sold', num: true, format: formatInt, ordering: '-units_sold' },
      { key: 'revenue', label: 'Revenue', num: true, format: formatMoney, ordering: '-revenue' },
    ],
  }),
};

let orders = null; // the open customer's orders panel
let ordersSlot = null;

function showOrders(customer) {
  if (orders) orders.abort();
  orders = ordersPanel({ customer });
  replace(ordersSlot, orders.node);
  orders.load({ start: '', end: '' });
  orders.node.scrollIntoView({ block: 'start' });
}

export function mount(container) {
  let current = null;
  let tab = window.location.hash === '#products' ? 'products' : 'customers';
  ordersSlot = el('div', {});
  const slot = el('div', {});
  const buttons = Object.keys(TABS).map((name) => el('button', {
    class: 'tab', type: 'button', role: 'tab', id: `tab-${name}`, dataset: { tab: name },
    'aria-controls': 'data-tabpanel', onclick: () => select(name),
  }, name === 'customers' ? 'Customers' : 'Products'));

  function select(name) {
    tab = name;
    if (current) current.abort();
    if (orders) orders.abort();
    orders = null;
    replace(ordersSlot);
    for (const b of buttons) {
      const on = b.dataset.tab === name;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
    }
    window.history.replaceState(null, '', window.location.pathname + window.location.search + (name === 'products' ? '#products' : ''));
    current = TABS[name]();
    slot.setAttribute('aria-labelledby', `tab-${name}`);
    replace(slot, current.node);
    current.load();
  }

  const tablist = el('div', {
    class: 'tabs', role: 'tablist', 'aria-label': 'Data',
    onkeydown(e) {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      const next = tab === 'customers' ? 'products' : 'customers';
      select(next);
      document.getElementById(`tab-${next}`).focus();
    },
  }, buttons);
  slot.id = 'data-tabpanel';
  slot.setAttribute('role', 'tabpanel');
  replace(container,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', { text: 'Data' }),
        el('p', { text: 'Every customer and product with its figures over all orders. Search, filter, sort; open a customer to see their orders.' }))),
    tablist, slot, ordersSlot);
  select(tab);

  return () => {
    if (current) current.abort();
    if (orders) orders.abort();
    orders = null;
  };
}
