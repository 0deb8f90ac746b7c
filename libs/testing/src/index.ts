export {
  createTestDatabase,
  postgresServer,
  prepareTestDatabases,
  templateName,
  TEST_DATABASE_URL,
  withDatabase,
  type TestDatabase,
} from './test-database';
export { waitFor } from './wait-for';
