// Imports every type family and builds the schema; defines nothing itself.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './money.js';
import './errors.js';
import './organization.js';
import './person.js';
import './company.js';
import './project.js';
import './service-type.js';
import './deal-status.js';
import './deal.js';
import './contract.js';
import './expense.js';
import './invoice.js';
import './invoice-attribution.js';
import './task.js';
import './page.js';
import './dashboard.js';
import './template.js';
import './service.js';
import './time-entry.js';
import './event.js';
import './booking.js';
import './purchase-order.js';
import './deleted-item.js';
import './viewer.js';

export const schema = lexicographicSortSchema(builder.toSchema());
