export { default } from '../../tsup.package.ts'
